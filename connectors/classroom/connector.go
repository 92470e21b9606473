package classroom

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	classroom "google.golang.org/api/classroom/v1"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googleauth"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Scopes are the OAuth scopes the connector asks for, all read-only:
// courses, rosters, and profile emails, without which Classroom leaves
// emailAddress out of every profile.
func Scopes() []string {
	return []string{classroom.ClassroomCoursesReadonlyScope, classroom.ClassroomRostersReadonlyScope, classroom.ClassroomProfileEmailsScope}
}

// Connector reads the courses and rosters of one Google Classroom domain.
type Connector struct {
	name string
	s    Settings
	log  *slog.Logger
	svc  *classroom.Service
}

// Option adjusts what New builds; for tests.
type Option func(*options)

type options struct {
	googleauth.Config
	quotaClock ratelimit.Clock
}

// WithClock replaces the clock the retries wait on.
func WithClock(c googleauth.Clock) Option { return func(o *options) { o.Clock = c } }

// WithScopes replaces the scopes asked for (a test of what Classroom
// answers without profile emails).
func WithScopes(scopes ...string) Option { return func(o *options) { o.Scopes = scopes } }

// WithQuotaClock makes the quota's token bucket read and wait on c
// instead of the wall clock.
func WithQuotaClock(c ratelimit.Clock) Option { return func(o *options) { o.quotaClock = c } }

// New validates s and builds a connector, offline: the key file is read and
// checked here, application default credentials at the first call.
func New(s Settings, opts connectors.OpenOptions, extra ...Option) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	c := &Connector{name: opts.Name, s: s, log: opts.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)
	o := options{Config: googleauth.Config{
		Name: opts.Name, CredentialsFile: s.CredentialsFile, BaseDir: opts.BaseDir,
		UseApplicationDefault: s.UseApplicationDefault, Subject: s.Subject, TokenURL: s.TokenURL,
		Scopes: Scopes(), Retry: s.Retry, Upstream: opts.Upstream, Logger: c.log,
	}}
	if opts.HTTPClient != nil {
		o.Base = opts.HTTPClient.Transport
	}
	for _, f := range extra {
		f(&o)
	}
	lim, err := quota().Limiter(s.QuotaPerMinute, s.QuotaPercent, ratelimit.WithClock(o.quotaClock))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	// Below the retries, as google-directory's, so that every attempt is
	// paced; token requests (POSTs to the token endpoint) are on another
	// quota.
	cfg := o.Config
	if cfg.Base == nil {
		cfg.Base = httpretry.Base(nil)
	}
	cfg.Base = &ratelimit.Transport{Next: cfg.Base, Limiter: lim,
		Skip: func(r *http.Request) bool { return r.Method != http.MethodGet }}
	client, err := googleauth.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	svc, err := classroom.NewService(context.Background(), googleauth.ClientOptions(client, s.Endpoint)...)
	if err != nil {
		return nil, fmt.Errorf("%s: build Classroom client: %w", c.prefix(), err)
	}
	c.svc = svc
	return c, nil
}

// Name is the connector instance's name.
func (c *Connector) Name() string { return c.name }

func (c *Connector) prefix() string { return fmt.Sprintf("%s %q", Type, c.name) }

func (c *Connector) wrap(call string, err error) error {
	return googleauth.Wrap(Type, c.name, call, err)
}

// Check lists one course: it proves the key, the delegation and the
// courses scope in one cheap call.
func (c *Connector) Check(ctx context.Context) error {
	_, err := c.svc.Courses.List().PageSize(1).Fields("courses(id)").Context(ctx).Do()
	return c.wrap("courses.list (check)", err)
}

// BaseURL is where the connector reads Classroom, shown as the license's
// LMS: the configured endpoint, or Google's.
func (c *Connector) BaseURL() string {
	if c.s.Endpoint != "" {
		return c.s.Endpoint
	}
	return "https://classroom.googleapis.com/"
}
