package schoology

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/oauth1"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// maxBody bounds one answer: a page of 200 users is ~150 KB.
const maxBody = 16 << 20

// Connector reads enrollments from one Schoology school.
type Connector struct {
	name string
	s    Settings
	base *url.URL
	log  *slog.Logger
	http *http.Client
}

// Option adjusts what New builds; for tests.
type Option func(*options)

type options struct {
	clock  httpretry.Clock
	jitter func(n int64) int64
	now    func() time.Time
	nonce  func() (string, error)
	// quotaClock is what the quota's token bucket reads and waits on.
	quotaClock ratelimit.Clock
}

// WithClock replaces the clock the retries wait on.
func WithClock(c httpretry.Clock) Option { return func(o *options) { o.clock = c } }

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock.
func WithQuotaClock(c ratelimit.Clock) Option { return func(o *options) { o.quotaClock = c } }

// WithSigning replaces the nonce source and the clock of OAuth signatures.
func WithSigning(nonce func() (string, error), now func() time.Time) Option {
	return func(o *options) { o.nonce, o.now = nonce, now }
}

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
	o := options{clock: httpretry.RealClock{}, jitter: rand.Int64N, now: time.Now, nonce: oauth1.RandomNonce}
	for _, f := range extra {
		f(&o)
	}
	c := &Connector{name: opts.Name, s: s, base: base, log: opts.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)
	// The signer sits under the retries: every attempt, and every hop of
	// a redirect (users/me answers 303), is signed afresh, since Schoology
	// refuses a nonce it has seen.
	signer := &oauth1.Signer{Next: httpretry.Base(opts.HTTPClient), ConsumerKey: s.ConsumerKey, ConsumerSecret: s.ConsumerSecret.Value(),
		Method: oauth1.Method(s.SignatureMethod), Realm: "Schoology API", EmptyToken: true, Now: o.now, Nonce: o.nonce}
	// Not paced unless quota_per_5_seconds is set (see Settings); then
	// every attempt waits for it, before the signer stamps its time.
	lim, err := quota().Limiter(s.QuotaPer5Seconds, s.QuotaPercent, ratelimit.WithClock(o.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	c.http = httpretry.NewClient(opts, httpretry.Transport{Next: signer, Policy: s.Retry, Classify: httpretry.Standard,
		Clock: o.clock, Jitter: o.jitter, Vendor: "Schoology", Logger: c.log, MaxBody: maxBody, Limiter: lim})
	// Redirects are followed: users/me answers 303 to the user's own
	// URL, which the signer under the retries signs afresh.
	c.http.CheckRedirect = nil
	return c, nil
}

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

// BaseURL is the API's address, shown as the license's LMS.
func (c *Connector) BaseURL() string { return c.s.BaseURL }

func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }
