package googledirectory

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"
	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/option"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Connector reads one Google Workspace account's directory.
type Connector struct {
	name string
	s    Settings
	log  *slog.Logger
	svc  *admin.Service
	src  *resettableSource
}

// Clock is the time the retries see: Now to bound the total time, Sleep to
// wait between attempts (returning early with ctx's error). Tests pass a
// clock whose Sleep only advances Now.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

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
	o := options{clock: realClock{}, jitter: rand.Int64N}
	for _, f := range extra {
		f(&o)
	}
	c := &Connector{name: opts.Name, s: s, log: opts.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", Type)

	base := http.RoundTripper(nil)
	if opts.HTTPClient != nil {
		base = opts.HTTPClient.Transport
	}
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = time.Minute
		base = t
	}
	retrying := &retryTransport{
		next: base, policy: s.Retry, clock: o.clock, jitter: o.jitter,
		obs: connectors.Observe(opts.Upstream), name: opts.Name, log: c.log,
	}
	// Token requests go through the same retries (and metrics) as API calls.
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: retrying})
	src, err := newTokenSource(tokenCtx, s, opts.BaseDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.prefix(), err)
	}
	c.src = src
	client := &http.Client{Transport: &reauthTransport{
		next: &oauth2.Transport{Source: src, Base: retrying},
		src:  src,
	}}
	copts := []option.ClientOption{option.WithHTTPClient(client)}
	if s.Endpoint != "" {
		ep := s.Endpoint
		if !strings.HasSuffix(ep, "/") {
			ep += "/" // the generated client joins paths onto it
		}
		copts = append(copts, option.WithEndpoint(ep))
	}
	svc, err := admin.NewService(context.Background(), copts...)
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

func resolve(baseDir, p string) string {
	if p == "" || filepath.IsAbs(p) || baseDir == "" {
		return p
	}
	return filepath.Join(baseDir, p)
}
