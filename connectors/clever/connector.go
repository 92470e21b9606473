package clever

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Connector reads one Clever district.
type Connector struct {
	name   string
	s      Settings
	base   *url.URL
	log    *slog.Logger
	http   *http.Client
	clock  httpretry.Clock
	jitter func(n int64) int64
	// quotaClock is what the quota's token bucket reads and waits on.
	quotaClock ratelimit.Clock
}

// Option adjusts what New builds; for tests.
type Option func(*Connector)

// WithClock replaces the clock the retries and rate-limit waits use.
func WithClock(c httpretry.Clock) Option { return func(o *Connector) { o.clock = c } }

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
	lim, err := quota().Limiter(s.QuotaPerMinute, s.QuotaPercent, ratelimit.WithClock(c.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	// Every attempt waits for the quota: a refused one counts in
	// Clever's window too.
	c.http = httpretry.NewClient(opts, httpretry.Transport{Policy: s.Retry, Classify: classify,
		Clock: c.clock, Jitter: c.jitter, Vendor: "Clever", Logger: c.log, Limiter: lim})
	return c, nil
}

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// BaseURL is Clever's API address, shown as the license's LMS.
func (c *Connector) BaseURL() string { return c.s.BaseURL }

func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }
