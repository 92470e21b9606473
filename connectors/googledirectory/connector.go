package googledirectory

import (
	"context"
	"fmt"
	"log/slog"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googleauth"
)

// Connector reads one Google Workspace account's directory.
type Connector struct {
	name string
	s    Settings
	log  *slog.Logger
	svc  *admin.Service
}

// Clock is the time the retries see: Now to bound the total time, Sleep to
// wait between attempts. Tests pass a clock whose Sleep only advances Now.
type Clock = googleauth.Clock

// Option adjusts what New builds; for tests.
type Option func(*options)

type options struct {
	clock  Clock
	jitter func(n int64) int64 // uniform in [0, n)
}

// WithClock replaces the clock the retries wait on.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithJitter replaces the source of backoff jitter: f(n) must return a
// value in [0, n).
func WithJitter(f func(n int64) int64) Option { return func(o *options) { o.jitter = f } }

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
	c := &Connector{name: opts.Name, s: s, log: opts.Logger}
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
	if opts.HTTPClient != nil {
		cfg.Base = opts.HTTPClient.Transport
	}
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
