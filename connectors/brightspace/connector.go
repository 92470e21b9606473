package brightspace

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"

	"golang.org/x/oauth2"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/oauth2token"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Connector reads enrollments from one Brightspace tenant.
type Connector struct {
	name   string
	s      Settings
	base   *url.URL
	log    *slog.Logger
	http   *http.Client
	auth   oauth2token.Source
	clock  httpretry.Clock
	jitter func(n int64) int64
	// quotaClock is what the quota's token bucket reads and waits on.
	quotaClock ratelimit.Clock

	mu      sync.Mutex
	version string // the lp version in use, once known
}

// Option adjusts what New builds; for tests.
type Option func(*Connector)

// WithClock replaces the clock the retries and pauses wait on.
func WithClock(c httpretry.Clock) Option { return func(o *Connector) { o.clock = c } }

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock (apart from WithClock, whose sleeps tests
// count as retries).
func WithQuotaClock(c ratelimit.Clock) Option { return func(o *Connector) { o.quotaClock = c } }

// WithJitter replaces the source of backoff jitter: f(n) in [0, n).
func WithJitter(f func(n int64) int64) Option { return func(o *Connector) { o.jitter = f } }

// New validates s and builds a connector, offline.
func New(s Settings, opts connectors.OpenOptions, extra ...Option) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults(opts.BaseDir)
	base, err := url.Parse(s.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s connector %q: settings.base_url: %w", Type, opts.Name, err)
	}
	c := &Connector{name: opts.Name, s: s, base: base, log: opts.Logger, clock: httpretry.RealClock{}, jitter: rand.Int64N,
		version: s.LPVersion}
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
	token, err := url.Parse(s.TokenURL)
	if err != nil {
		return nil, fmt.Errorf("%s connector %q: settings.token_url: %w", Type, opts.Name, err)
	}
	// Every API attempt waits for the quota; token requests, on D2L's
	// auth service, spend no API credits.
	c.http = httpretry.NewClient(opts, httpretry.Transport{Policy: s.Retry, Classify: httpretry.Standard, Clock: c.clock,
		Jitter: c.jitter, Vendor: "Brightspace", Logger: c.log, MaxBody: maxBody, Limiter: lim,
		Unpaced: func(r *http.Request) bool { return r.URL.Host == token.Host && r.URL.Path == token.Path }})
	c.auth, _ = oauth2token.NewRotating(oauth2.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret.Value(),
		// D2L documents no one client authentication method: try HTTP Basic,
		// then the form, as the oauth2 package does by default, and keep
		// what works. A refused client spends no refresh token.
		Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL, AuthStyle: oauth2.AuthStyleAutoDetect},
	}, s.RefreshToken.Value(), s.TokenFile, c.http)
	return c, nil
}

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// BaseURL is the tenant's address, shown as the license's LMS.
func (c *Connector) BaseURL() string { return c.s.BaseURL }

func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }
