package lti

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Connector is one registered platform: the NRPS client that reads its
// courses' rosters, and the registration launches are checked against.
type Connector struct {
	name     string
	s        Settings
	key      *Key
	log      *slog.Logger
	http     *http.Client // NRPS, retrying
	raw      *http.Client // token endpoint and JWKS: one request each
	clock    httpretry.Clock
	jitter   func(n int64) int64
	contexts *contexts
	// quotaClock is what the quota's token bucket reads and waits on.
	quotaClock ratelimit.Clock

	mu       sync.Mutex
	token    string
	tokenExp time.Time
}

// Option adjusts what New builds; for tests.
type Option func(*Connector)

// WithClock replaces the clock the retries and token expiry use.
func WithClock(c httpretry.Clock) Option { return func(o *Connector) { o.clock = c } }

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock.
func WithQuotaClock(c ratelimit.Clock) Option { return func(o *Connector) { o.quotaClock = c } }

// New validates s, reads the key and the contexts file, and builds the
// connector without touching the network.
func New(s Settings, opts connectors.OpenOptions, extra ...Option) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.paths(opts.BaseDir, opts.Name)
	key, err := LoadKeyFile(s.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%s connector %q: settings.private_key_file: %w", Type, opts.Name, err)
	}
	reg, err := openContexts(s.ContextsFile)
	if err != nil {
		return nil, fmt.Errorf("%s connector %q: settings.contexts_file: %w", Type, opts.Name, err)
	}
	c := &Connector{name: opts.Name, s: s, key: key, log: opts.Logger,
		clock: httpretry.RealClock{}, jitter: rand.Int64N, contexts: reg}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)
	for _, f := range extra {
		f(c)
	}
	// Token requests are not retried, and each is bounded on its own.
	c.raw = httpretry.Direct(opts.HTTPClient)
	c.raw.Timeout = time.Minute
	// The retries have no overall timeout: the run's context bounds them.
	// Not paced unless quota_per_minute is set (see Settings); then every
	// roster attempt waits for it. Token requests go through c.raw.
	lim, err := quota().Limiter(s.QuotaPerMinute, s.QuotaPercent, ratelimit.WithClock(c.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	c.http = httpretry.NewClient(opts, httpretry.Transport{Policy: s.Retry, Classify: classify, Clock: c.clock,
		Jitter: c.jitter, Vendor: "LTI platform", Logger: c.log, Limiter: lim})
	c.http.Timeout = 0
	return c, nil
}

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// BaseURL is the platform's issuer, shown as the license's LMS.
func (c *Connector) BaseURL() string { return c.s.Issuer }

// Issuer, ClientID and DeploymentIDs are the registration launches are
// checked against.
func (c *Connector) Issuer() string          { return c.s.Issuer }
func (c *Connector) ClientID() string        { return c.s.ClientID }
func (c *Connector) DeploymentIDs() []string { return c.s.DeploymentIDs }

// AutoEnrolLicense is the license a course's first launch enrols it on;
// empty: launches only record the course.
func (c *Connector) AutoEnrolLicense() string { return c.s.AutoEnrolLicense }

// Key is the tool's signing key.
func (c *Connector) Key() *Key { return c.key }

// Context returns a course recorded by a launch.
func (c *Connector) Context(id string) (Context, bool) { return c.contexts.lookup(id) }

// Remember records a launch's course; first says it was never launched.
func (c *Connector) Remember(ctx Context) (first bool, err error) {
	first, err = c.contexts.remember(ctx)
	if err != nil {
		return false, fmt.Errorf("%s: record course %q: %w", c.prefix(), ctx.ID, err)
	}
	return first, nil
}

func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }
