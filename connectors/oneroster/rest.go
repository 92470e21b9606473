package oneroster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/oauth1"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Base paths of the rostering service, by version.
const (
	Path11 = "/ims/oneroster/v1p1"
	Path12 = "/ims/oneroster/rostering/v1p2"
)

// Connector reads one OneRoster REST service.
type Connector struct {
	name   string
	s      Settings
	log    *slog.Logger
	base   string // BaseURL + the version's path
	client *http.Client
	clock  Clock
	src    *resettableSource // 1.2 only

	mu    sync.Mutex // guards cache
	cache *userCache // incremental users; nil until a full read succeeded
}

// Option adjusts what New and NewCSV build; for tests.
type Option func(*options)

type options struct {
	clock  Clock
	jitter func(n int64) int64 // uniform in [0, n)
	nonce  func() (string, error)
	now    func() time.Time // OAuth 1.0a timestamps
	// quotaClock is what the quota's token bucket reads and waits on.
	quotaClock ratelimit.Clock
}

// WithClock replaces the clock retries wait on and time by.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock.
func WithQuotaClock(c ratelimit.Clock) Option { return func(o *options) { o.quotaClock = c } }

// WithJitter replaces the source of backoff jitter: f(n) must be in [0, n).
func WithJitter(f func(n int64) int64) Option { return func(o *options) { o.jitter = f } }

// WithSigning replaces the OAuth 1.0a nonce and timestamp sources.
func WithSigning(nonce func() (string, error), now func() time.Time) Option {
	return func(o *options) { o.nonce, o.now = nonce, now }
}

func buildOptions(extra []Option) options {
	o := options{clock: httpretry.RealClock{}, jitter: rand.Int64N, nonce: randomNonce, now: time.Now}
	for _, f := range extra {
		f(&o)
	}
	return o
}

// New validates s and builds a REST connector, offline.
func New(s Settings, opts connectors.OpenOptions, extra ...Option) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	o := buildOptions(extra)
	c := &Connector{name: opts.Name, s: s, log: opts.Logger, clock: o.clock}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)
	c.base = s.BaseURL + Path11
	if s.Version == V12 {
		c.base = s.BaseURL + Path12
	}

	base := httpretry.Base(opts.HTTPClient)
	// Not paced unless quota_per_minute is set (see Settings); then every
	// API attempt waits for it, before a 1.1 signature stamps its time.
	lim, err := quota().Limiter(s.QuotaPerMinute, s.QuotaPercent, ratelimit.WithClock(o.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	retry := func(next http.RoundTripper) http.RoundTripper {
		return &httpretry.Transport{Next: next, Policy: s.Retry, Classify: httpretry.Standard, Clock: o.clock,
			Jitter: o.jitter, Observer: opts.Upstream, Name: opts.Name, Vendor: "OneRoster", Logger: c.log, Limiter: lim,
			// Reads are GETs; 1.2's token POSTs go to the authorization
			// server, not the API.
			Unpaced: func(r *http.Request) bool { return r.Method != http.MethodGet }}
	}
	switch s.Version {
	case V11:
		signer := &oauth1.Signer{Next: base, ConsumerKey: s.ConsumerKey, ConsumerSecret: s.ConsumerSecret.Value(),
			Method: oauth1.HMACSHA256, Now: o.now, Nonce: o.nonce}
		c.client = &http.Client{Transport: retry(signer)}
	case V12:
		retrying := retry(base)
		cc := clientcredentials.Config{
			ClientID: s.ClientID, ClientSecret: s.ClientSecret.Value(), TokenURL: s.TokenURL,
			Scopes: s.Scopes, AuthStyle: oauth2.AuthStyleInHeader,
		}
		tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: retrying})
		c.src = &resettableSource{build: func() oauth2.TokenSource { return cc.TokenSource(tokenCtx) }}
		c.client = &http.Client{Transport: &reauthTransport{
			next: &oauth2.Transport{Source: c.src, Base: retrying},
			src:  c.src,
		}}
	}
	return c, nil
}

func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// get sends one GET and returns a 200 answer with its body buffered, or
// an error naming the call.
func (c *Connector) get(ctx context.Context, path string, q url.Values, call string) (*http.Response, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
		}
		var rerr *oauth2.RetrieveError
		if errors.As(err, &rerr) {
			e := &APIError{Connector: c.name, Call: call + ": fetching an access token", Token: true,
				CodeMinor: rerr.ErrorCode, Description: rerr.ErrorDescription}
			if rerr.Response != nil {
				e.Code = rerr.Response.StatusCode
				if e.CodeMinor == "" && e.Description == "" {
					ae := apiError(c.name, call, rerr.Response, rerr.Body)
					e.CodeMajor, e.Severity, e.CodeMinor, e.Description = ae.CodeMajor, ae.Severity, ae.CodeMinor, ae.Description
				}
			}
			return nil, e
		}
		return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, apiError(c.name, call, resp, body)
	}
	return resp, nil
}

// Check reads one school: it proves the base URL, the version and the
// credentials.
func (c *Connector) Check(ctx context.Context) error {
	q := url.Values{"limit": {"1"}}
	resp, err := c.get(ctx, "/schools", q, "GET /schools (limit 1)")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := decodeList[org](resp.Body, "orgs"); err != nil {
		return fmt.Errorf("%s: GET /schools: the answer is not a OneRoster orgs list: %w", c.prefix(), err)
	}
	return nil
}

// ValidateSelection checks the selection's syntax and that every school
// and class it names exists and is not tobedeleted.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := planFor(c.prefix(), sel)
	if err != nil {
		return err
	}
	var errs []error
	check := func(path, key, unit string, status func(body io.Reader) (string, error)) {
		resp, err := c.get(ctx, path, nil, "GET "+path)
		var ae *APIError
		switch {
		case errors.As(err, &ae) && ae.Code == http.StatusNotFound:
			errs = append(errs, fmt.Errorf("%s: selection unit %q: %w: %w", c.prefix(), unit, ErrUnknownUnit, err))
			return
		case err != nil:
			errs = append(errs, err)
			return
		}
		defer resp.Body.Close()
		st, err := status(resp.Body)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: GET %s: reading %q: %w", c.prefix(), path, key, err))
			return
		}
		if st == statusToBeDeleted {
			errs = append(errs, fmt.Errorf("%s: selection unit %q: %w: the source marks it tobedeleted", c.prefix(), unit, ErrUnknownUnit))
		}
	}
	for _, id := range p.orgs {
		check("/schools/"+url.PathEscape(id), "org", unitOrg+id, func(r io.Reader) (string, error) {
			o, err := decodeOne[org](r, "org")
			if err != nil {
				return "", err
			}
			return o.Status, nil
		})
	}
	for _, id := range p.classes {
		check("/classes/"+url.PathEscape(id), "class", unitClass+id, func(r io.Reader) (string, error) {
			cl, err := decodeOne[class](r, "class")
			if err != nil {
				return "", err
			}
			return cl.Status, nil
		})
	}
	return errors.Join(errs...)
}

// resettableSource caches tokens like oauth2.ReuseTokenSource and can
// drop the cached one when the API says it is no longer good.
type resettableSource struct {
	mu    sync.Mutex
	build func() oauth2.TokenSource
	cur   oauth2.TokenSource
}

func (r *resettableSource) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	if r.cur == nil {
		r.cur = r.build()
	}
	ts := r.cur
	r.mu.Unlock()
	return ts.Token()
}

func (r *resettableSource) reset() {
	r.mu.Lock()
	r.cur = nil
	r.mu.Unlock()
}

// reauthTransport drops the cached token and tries once more when the API
// answers 401: a token the server revoked before its expiry would
// otherwise fail every call until it lapses.
type reauthTransport struct {
	next http.RoundTripper
	src  *resettableSource
}

func (t *reauthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.Body != http.NoBody) {
		return resp, err
	}
	resp.Body.Close()
	t.src.reset()
	return t.next.RoundTrip(req.Clone(req.Context()))
}

// BaseURL is the OneRoster service's address, shown as the license's LMS.
func (c *Connector) BaseURL() string { return c.s.BaseURL }
