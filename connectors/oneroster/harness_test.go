package oneroster

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// suiteRetryAfter is the wait the fake's rate limits ask for.
const suiteRetryAfter = 3 * time.Second

// restEnv is a fake service, a REST connector on it, and what the test
// observes of the connector.
type restEnv struct {
	srv   *fake.Server
	conn  *Connector
	rec   *connectortest.Recorder
	clock *connectortest.Clock
	logs  *lockedBuilder
	set   Settings
}

type restOptions struct {
	version  string
	name     string
	settings func(*Settings)
	fake     fake.Options
	rec      *connectortest.Recorder
	clock    *connectortest.Clock
	extra    []Option
	// transport carries the connector's requests; nil: the default.
	transport http.RoundTripper
}

// newREST serves d (nil: a small generated district) and opens a
// connector of the version on it with the fake's credentials.
func newREST(t testing.TB, d *fake.District, o restOptions) *restEnv {
	t.Helper()
	if d == nil {
		d = fake.Generate(7, 200, 8)
	}
	o.fake.District = d
	if o.fake.RetryAfter == 0 {
		o.fake.RetryAfter = suiteRetryAfter
	}
	srv := fake.New(o.fake)
	t.Cleanup(srv.Close)
	e := &restEnv{srv: srv, rec: o.rec, clock: o.clock, logs: &lockedBuilder{}}
	if e.rec == nil {
		e.rec = connectortest.NewRecorder()
	}
	if e.clock == nil {
		e.clock = connectortest.NewClock()
	}
	if o.name == "" {
		o.name = "district"
	}
	if o.version == "" {
		o.version = V12
	}
	key, secret, id, csecret := srv.Credentials()
	e.set = Settings{BaseURL: srv.URL(), Version: o.version, Limit: 50}
	if o.version == V11 {
		e.set.ConsumerKey, e.set.ConsumerSecret = key, secretOf(secret)
	} else {
		e.set.ClientID, e.set.ClientSecret, e.set.TokenURL = id, secretOf(csecret), srv.TokenURL()
	}
	if o.settings != nil {
		o.settings(&e.set)
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	oo := connectors.OpenOptions{Name: o.name, Logger: logger, Upstream: e.rec}
	if o.transport != nil {
		oo.HTTPClient = &http.Client{Transport: o.transport}
	}
	conn, err := New(e.set, oo, append([]Option{WithClock(e.clock)}, o.extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// wholeSelection takes every school, with administrators as teachers so
// that every teacher variant of the roster is a teacher.
func wholeSelection(d *fake.District) connectors.Selection {
	sel := connectors.Selection{
		Roles:       map[string]license.Role{"administrator": license.RoleTeacher},
		DefaultRole: license.RoleStudent,
	}
	for _, s := range d.Schools() {
		sel.Units = append(sel.Units, unitOrg+s)
	}
	return sel
}

func setupREST(version string) func(t *testing.T, env connectortest.Env) connectortest.Instance {
	return func(t *testing.T, env connectortest.Env) connectortest.Instance {
		d := fake.FromRoster(env.Roster)
		e := newREST(t, d, restOptions{version: version, name: env.Name, rec: env.Upstream, clock: env.Clock,
			settings: func(s *Settings) { s.Limit = env.PageSize }})
		return connectortest.Instance{
			Connector:   e.conn,
			Selection:   wholeSelection(d),
			Faults:      e.srv,
			Requests:    e.srv.Requests,
			MaxAttempts: e.conn.s.Retry.MaxAttempts,
			ExternalID:  fake.UserID,
		}
	}
}

func TestConformanceREST11(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: "oneroster-1.1", Setup: setupREST(V11)})
}

func TestConformanceREST12(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: "oneroster-1.2", Setup: setupREST(V12)})
}

func setupCSV(t *testing.T, env connectortest.Env) connectortest.Instance {
	d := fake.FromRoster(env.Roster)
	path := filepath.Join(t.TempDir(), "oneroster.zip")
	if err := fake.WriteBundle(d, path, fake.BundleOptions{Zip: true, ShuffleSeed: uint64(env.Roster.Seed), Extensions: true}); err != nil {
		t.Fatal(err)
	}
	conn, err := NewCSV(CSVSettings{Path: path, PageSize: env.PageSize},
		connectors.OpenOptions{Name: env.Name, Upstream: env.Upstream}, WithClock(env.Clock))
	if err != nil {
		t.Fatal(err)
	}
	counted := &pageCounter{CSVConnector: conn}
	return connectortest.Instance{
		Connector:   counted,
		Selection:   wholeSelection(d),
		Faults:      &bundleFaults{t: t, d: d, path: path, pageSize: env.PageSize},
		Requests:    counted.pages,
		MaxAttempts: conn.s.Retry.MaxAttempts,
		ExternalID:  fake.UserID,
	}
}

func TestConformanceCSV(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: CSVType, Setup: setupCSV, LocalSource: true})
}

// pageCounter counts the pages a bundle connector emits: its "listing
// requests", each at most the page size asked for.
type pageCounter struct {
	*CSVConnector
	mu sync.Mutex
	n  int
}

func (p *pageCounter) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	return p.CSVConnector.Fetch(ctx, sel, func(page []connectors.Person) error {
		p.mu.Lock()
		p.n++
		p.mu.Unlock()
		return emit(page)
	})
}

func (p *pageCounter) pages() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// bundleFaults express the suite's faults on a bundle file.
type bundleFaults struct {
	t        *testing.T
	d        *fake.District
	path     string
	pageSize int
}

func (b *bundleFaults) RateLimit(int) time.Duration { return 0 }
func (b *bundleFaults) ServerErrors(int)            {}
func (b *bundleFaults) SlowPages(time.Duration)     {}
func (b *bundleFaults) BadCredentials() string      { return "" }

// FailOnPage: retryable is a zip cut short (an upload caught half way);
// permanent is a bad line about page n's worth into enrollments.csv.
func (b *bundleFaults) FailOnPage(n int, retryable bool) {
	if retryable {
		if err := fake.TruncateFile(b.path); err != nil {
			b.t.Fatal(err)
		}
		return
	}
	line := n*b.pageSize + 1
	err := fake.WriteBundle(b.d, b.path, fake.BundleOptions{Zip: true, Edit: func(name string, data []byte) []byte {
		if name != "enrollments.csv" {
			return data
		}
		lines := strings.Split(string(data), "\n")
		if line >= len(lines)-1 {
			line = len(lines) - 2
		}
		lines[line] = strings.Replace(lines[line], "student", "pupil", 1)
		lines[line] = strings.Replace(lines[line], "teacher", "pupil", 1)
		return []byte(strings.Join(lines, "\n"))
	}})
	if err != nil {
		b.t.Fatal(err)
	}
}

func (b *bundleFaults) Empty() {
	if err := fake.WriteBundle(b.d, b.path, fake.BundleOptions{Zip: true, Empty: true}); err != nil {
		b.t.Fatal(err)
	}
}
