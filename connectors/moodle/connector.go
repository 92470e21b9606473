package moodle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// maxBody bounds one answer: 500 users with roles are ~100 KB.
const maxBody = 32 << 20

// Connector reads course participants from one Moodle site.
type Connector struct {
	name     string
	s        Settings
	endpoint string
	log      *slog.Logger
	http     *http.Client
	// quotaClock is what the quota's token bucket reads and waits on.
	quotaClock ratelimit.Clock
}

// Option adjusts what New builds; for tests.
type Option func(*Connector, *httpretry.Transport)

// WithClock replaces the clock the retries wait on.
func WithClock(c httpretry.Clock) Option {
	return func(_ *Connector, t *httpretry.Transport) { t.Clock = c }
}

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock.
func WithQuotaClock(c ratelimit.Clock) Option {
	return func(o *Connector, _ *httpretry.Transport) { o.quotaClock = c }
}

// New validates s and builds a connector, offline.
func New(s Settings, opts connectors.OpenOptions, extra ...Option) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	c := &Connector{name: opts.Name, s: s, endpoint: s.BaseURL + "/webservice/rest/server.php", log: opts.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)
	// NewClient hands redirects back: one would turn the POST into a GET
	// without the token's form.
	c.http = httpretry.NewClient(opts, httpretry.Transport{Policy: s.Retry, Classify: httpretry.Standard,
		Clock: httpretry.RealClock{}, Jitter: rand.Int64N, Vendor: "Moodle", Logger: c.log, MaxBody: maxBody})
	rt := c.http.Transport.(*httpretry.Transport)
	for _, f := range extra {
		f(c, rt)
	}
	// Not paced unless quota_per_minute is set (see Settings); then every
	// attempt waits for it.
	lim, err := quota().Limiter(s.QuotaPerMinute, s.QuotaPercent, ratelimit.WithClock(c.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	rt.Limiter = lim
	return c, nil
}

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// BaseURL is the site's address, shown as the license's LMS.
func (c *Connector) BaseURL() string { return c.s.BaseURL }

func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }

// call runs one web-service function with args and decodes its JSON answer
// into out. An exception object is an *Exception, whatever the status.
func (c *Connector) call(ctx context.Context, what, function string, args url.Values, out any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), what, err)
	}
	form := url.Values{}
	for k, v := range args {
		form[k] = v
	}
	form.Set("wstoken", c.s.Token.Value())
	form.Set("wsfunction", function)
	form.Set("moodlewsrestformat", "json")
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), what, err)
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), what, ctx.Err())
	}
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its URL is fine, but keep errors uniform
		}
		return &HTTPError{Connector: c.name, Call: what, Err: err}
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return &HTTPError{Connector: c.name, Call: what, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{Connector: c.name, Call: what, Code: resp.StatusCode, Message: errbody.Clip(strings.TrimSpace(string(data)))}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var ex Exception
		if json.Unmarshal(trimmed, &ex) == nil && ex.Exception != "" {
			ex.Connector, ex.Call, ex.Function = c.name, what, function
			return &ex
		}
	}
	if len(trimmed) == 0 || trimmed[0] == '<' {
		return fmt.Errorf("%s: %s: Moodle answered %s, not JSON (is moodlewsrestformat honoured, or base_url a login page?)", c.prefix(), what, describe(trimmed))
	}
	if err := json.Unmarshal(trimmed, out); err != nil {
		return fmt.Errorf("%s: %s: %s's answer is not as documented: %w", c.prefix(), what, function, err)
	}
	return nil
}

func describe(b []byte) string {
	if len(b) == 0 {
		return "an empty body"
	}
	return "XML or HTML"
}
