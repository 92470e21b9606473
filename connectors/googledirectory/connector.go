package googledirectory

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googleauth"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Connector reads one Google Workspace account's directory.
type Connector struct {
	name  string
	s     Settings
	log   *slog.Logger
	svc   *admin.Service
	quota *ratelimit.Limiter // every Directory request of this connector waits on it
	// splitLatency: a unit whose first pages waited less than this on
	// average is read by one listing (see split.go); 0 always splits.
	splitLatency time.Duration
}

// Clock is the time the retries see: Now to bound the total time, Sleep to
// wait between attempts. Tests pass a clock whose Sleep only advances Now.
type Clock = googleauth.Clock

// Option adjusts what New builds; for tests.
type Option func(*options)

type options struct {
	clock        Clock
	jitter       func(n int64) int64 // uniform in [0, n)
	splitLatency *time.Duration
	quotaClock   ratelimit.Clock
}

// WithClock replaces the clock the retries wait on.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithJitter replaces the source of backoff jitter: f(n) must return a
// value in [0, n).
func WithJitter(f func(n int64) int64) Option { return func(o *options) { o.jitter = f } }

// WithSplitLatency replaces DefaultSplitLatency; 0 splits every unit
// bigger than the first pages, however fast they came, and a duration
// longer than any page never splits.
func WithSplitLatency(d time.Duration) Option { return func(o *options) { o.splitLatency = &d } }

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock.
func WithQuotaClock(c ratelimit.Clock) Option { return func(o *options) { o.quotaClock = c } }

// New validates s and builds a connector, offline: the key file is read and
// parsed here, application default credentials at the first call.
func New(s Settings, opts connectors.OpenOptions, extra ...Option) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	var o options
	for _, f := range extra {
		f(&o)
	}
	c := &Connector{name: opts.Name, s: s, log: opts.Logger, splitLatency: DefaultSplitLatency}
	if o.splitLatency != nil {
		c.splitLatency = *o.splitLatency
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)
	cfg := googleauth.Config{
		Name: opts.Name, CredentialsFile: s.CredentialsFile, BaseDir: opts.BaseDir,
		UseApplicationDefault: s.UseApplicationDefault, Subject: s.Subject, TokenURL: s.TokenURL,
		Scopes: Scopes(), Retry: s.Retry, Upstream: opts.Upstream, Logger: c.log,
		Clock: o.clock, Jitter: o.jitter,
	}
	quota, err := ratelimit.New(ratelimit.Quota{Requests: s.QuotaPerMinute, Window: time.Minute}.Share(s.QuotaPercent),
		ratelimit.WithClock(o.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	c.quota = quota
	var base http.RoundTripper
	if opts.HTTPClient != nil {
		base = opts.HTTPClient.Transport
	}
	if base == nil {
		base = defaultTransport(s.Concurrency)
	}
	// Below the retries, so that every attempt is paced; token requests
	// (POSTs to the token endpoint) are on another quota.
	cfg.Base = &ratelimit.Transport{Next: base, Limiter: quota,
		Skip: func(r *http.Request) bool { return r.Method != http.MethodGet }}
	client, err := googleauth.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	svc, err := admin.NewService(context.Background(), googleauth.ClientOptions(client, s.Endpoint)...)
	if err != nil {
		return nil, fmt.Errorf("%s: build Directory client: %w", c.prefix(), err)
	}
	c.svc = svc
	return c, nil
}

// prefix names the connector in errors.
func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// defaultTransport is http.DefaultTransport's settings with a one-minute
// wait for response headers, as connectors/googleauth's default, and
// enough idle connections kept per host for every concurrent listing:
// the default of 2 would close and reopen connections on every page.
func defaultTransport(concurrency int) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = time.Minute
	t.MaxIdleConnsPerHost = concurrency + 2
	return t
}
