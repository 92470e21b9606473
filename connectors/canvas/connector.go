package canvas

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/bearer"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/oauth2token"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Connector reads enrollments from one Canvas instance.
type Connector struct {
	name   string
	s      Settings
	base   *url.URL
	log    *slog.Logger
	http   *http.Client
	auth   oauth2token.Source
	clock  Clock
	jitter func(n int64) int64
	// quotaClock is what the quota's token bucket reads and waits on.
	quotaClock ratelimit.Clock
}

// Clock is the time the retries see: Now to bound the total time, Sleep to
// wait between attempts (returning early with ctx's error).
type Clock = httpretry.Clock

// Option adjusts what New builds; for tests.
type Option func(*Connector)

// WithClock replaces the clock the retries wait on.
func WithClock(c Clock) Option { return func(o *Connector) { o.clock = c } }

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock (apart from WithClock, whose sleeps tests
// count as retries).
func WithQuotaClock(c ratelimit.Clock) Option { return func(o *Connector) { o.quotaClock = c } }

// WithJitter replaces the source of backoff jitter: f(n) must return a
// value in [0, n).
func WithJitter(f func(n int64) int64) Option { return func(o *Connector) { o.jitter = f } }

// New validates s and builds a connector, offline.
func New(s Settings, opts connectors.OpenOptions, extra ...Option) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	base, err := url.Parse(s.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s connector %q: settings.base_url: %w", Type, opts.Name, err)
	}
	c := &Connector{name: opts.Name, s: s, base: base, log: opts.Logger, clock: httpretry.RealClock{}, jitter: rand.Int64N}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)
	for _, f := range extra {
		f(c)
	}
	if s.AccessToken != "" {
		c.auth = bearer.Static(s.AccessToken.Value())
	} else {
		// Token requests are not retried: a refused developer key is
		// reported at once.
		c.auth = refreshGrant(s, httpretry.Direct(opts.HTTPClient))
	}
	// Not paced unless quota_per_minute is set (Canvas meters cost, see
	// Settings.QuotaPerMinute); then every attempt waits for it.
	lim, err := quota().Limiter(s.QuotaPerMinute, s.QuotaPercent, ratelimit.WithClock(c.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	c.http = httpretry.NewClient(opts, httpretry.Transport{Policy: s.Retry.Retry, Classify: classify,
		Clock: c.clock, Jitter: c.jitter, Vendor: "Canvas", Logger: c.log, MaxBody: maxBody, Limiter: lim})
	return c, nil
}

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// prefix names the connector in errors.
func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }

// BaseURL is the Canvas instance's address, shown as the license's LMS.
func (c *Connector) BaseURL() string { return c.s.BaseURL }
