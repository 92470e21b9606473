package googledirectory

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// The tests in conformance_test.go talk to a source only through the
// harness below, so that they can move to a shared connector suite: a new
// connector provides its own harness (a fake of its vendor, a way to open
// the connector on it, and the fault switches) and runs the same tables.

// faultKind is a vendor-neutral upstream misbehaviour.
type faultKind string

const (
	faultRateLimit   faultKind = "rate limit"   // the vendor's "slow down", however it says it
	faultServerError faultKind = "server error" // 5xx
	faultTruncated   faultKind = "truncated"    // a response body cut short
)

// harness opens a connector against a fake source.
type harness interface {
	// open serves about people people, pageSize to a page.
	open(t *testing.T, people, pageSize int) fixture
}

// fixture is one fake source and a connector reading it.
type fixture interface {
	connector() connectors.Connector
	// selection names several units of the source, with a role mapping.
	selection() connectors.Selection
	// want is who a Fetch of sel must return (role included), keyed by external id.
	want(sel connectors.Selection) map[string]connectors.Person
	// inject makes the next n calls misbehave with signal variant v of kind.
	inject(kind faultKind, variant int, n int)
	// variants is how many distinct signals a fault kind has.
	variants(kind faultKind) int
	// failPage makes page n of every listing fail with a non-retryable
	// error (permanent=false) or a retryable one that never clears.
	failPage(n int, retryable bool)
	// empty makes the source answer no people.
	empty()
	// addPerson adds a person with this exact email to the first unit.
	addPerson(t *testing.T, email string) string
	// listCalls counts listing requests the source answered.
	listCalls() int64
	obs() *recorder
	maxAttempts() int
}

// recorder is an UpstreamObserver that keeps counts.
type recorder struct {
	mu       sync.Mutex
	requests map[int]int
	retries  map[string]int
}

func newRecorder() *recorder {
	return &recorder{requests: map[int]int{}, retries: map[string]int{}}
}

func (r *recorder) Request(_ string, code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[code]++
}

func (r *recorder) Retry(_ string, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries[reason]++
}

func (r *recorder) retryCount(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.retries[reason]
}

func (r *recorder) totalRetries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.retries {
		n += v
	}
	return n
}

// fakeClock advances only when slept on, and records each sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// testAccount is one RSA service account shared by the tests: key
// generation is the slowest step, and each server registers it anew.
var testAccount = sync.OnceValues(func() (*fake.ServiceAccount, error) {
	sa, _, err := fake.NewServiceAccount("rollcall-test@rollcall-fake.iam.gserviceaccount.com", "http://unused/token")
	return sa, err
})

// googleEnv is a fake Directory, a connector on it, and what the test
// observes of the connector.
type googleEnv struct {
	srv   *fake.Server
	d     *fake.District
	conn  *Connector
	rec   *recorder
	clock *fakeClock
	set   Settings
	logs  *strings.Builder
}

// envOptions adjust a test environment before the connector opens.
type envOptions struct {
	settings func(*Settings)
	scopes   []string // the delegation grant; nil: read-only
}

// newEnv serves d (nil: a small generated district) and opens a connector
// impersonating the super admin, with a key file written 0600 to a temp dir.
func newEnv(t testing.TB, d *fake.District, eo envOptions) *googleEnv {
	t.Helper()
	if d == nil {
		d = fake.Generate(7, 300)
	}
	srv := fake.New(fake.Options{District: d})
	t.Cleanup(srv.Close)
	sa, err := testAccount()
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(sa, eo.scopes...)
	dir := t.TempDir()
	key, err := sa.KeyFile(srv.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.json"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &googleEnv{srv: srv, d: d, rec: newRecorder(), clock: newFakeClock(), logs: &strings.Builder{}}
	e.set = Settings{CredentialsFile: "sa.json", Subject: d.SuperAdmin, Endpoint: srv.Endpoint(), MaxResults: 50}
	if eo.settings != nil {
		eo.settings(&e.set)
	}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{b: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	conn, err := New(e.set, connectors.OpenOptions{Name: "district", Logger: logger, Upstream: e.rec, BaseDir: dir},
		WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// collect runs a Fetch and returns everyone emitted, by external id,
// failing the test if anyone is emitted twice.
func collect(t *testing.T, c connectors.Connector, sel connectors.Selection) (map[string]connectors.Person, error) {
	t.Helper()
	got := map[string]connectors.Person{}
	err := c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
		for _, p := range page {
			if _, dup := got[p.ExternalID]; dup {
				t.Errorf("%s (%s) emitted twice", p.ExternalID, p.Email)
			}
			got[p.ExternalID] = p
		}
		return nil
	})
	return got, err
}

// googleHarness is the harness for this connector.
type googleHarness struct{}

func (googleHarness) open(t *testing.T, people, pageSize int) fixture {
	e := newEnv(t, fake.Generate(int64(people), people), envOptions{settings: func(s *Settings) { s.MaxResults = pageSize }})
	return &googleFixture{e}
}

type googleFixture struct{ *googleEnv }

func (f *googleFixture) connector() connectors.Connector { return f.conn }

func (f *googleFixture) selection() connectors.Selection {
	return connectors.Selection{
		Units:       []string{"/Students", "/Staff"},
		Roles:       map[string]license.Role{"/Staff": license.RoleTeacher, "/Staff/District Office": license.RoleOther},
		DefaultRole: license.RoleStudent,
	}
}

// want is written from the fake's own state, with the role mapping
// spelled out rather than computed the connector's way.
func (f *googleFixture) want(sel connectors.Selection) map[string]connectors.Person {
	out := map[string]connectors.Person{}
	for _, unit := range sel.Units {
		for _, u := range f.srv.ActiveIn(unit, true) {
			role := sel.DefaultRole
			for _, prefix := range []string{"/Staff/District Office", "/Staff", "/Students"} {
				if r, ok := sel.Roles[prefix]; ok && (u.OrgUnitPath == prefix || strings.HasPrefix(u.OrgUnitPath, prefix+"/")) {
					role = r
					break
				}
			}
			out[u.ID] = connectors.Person{ExternalID: u.ID, Email: u.PrimaryEmail, Name: u.FullName(),
				OrgUnit: u.OrgUnitPath, Role: role}
		}
	}
	return out
}

func (f *googleFixture) variants(kind faultKind) int {
	switch kind {
	case faultRateLimit:
		return 4
	case faultServerError:
		return 3
	}
	return 1
}

func (f *googleFixture) inject(kind faultKind, v, n int) {
	switch kind {
	case faultRateLimit:
		kinds := []fake.RateLimitKind{fake.UserRateLimitExceeded, fake.RateLimitExceeded, fake.QuotaExceeded, fake.ResourceExhausted}
		f.srv.RateLimit(kinds[v], n, 0)
	case faultServerError:
		f.srv.ServerErrors([]int{500, 502, 503}[v], n)
	case faultTruncated:
		f.srv.Truncate(n)
	}
}

func (f *googleFixture) failPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	f.srv.FailOnPage(n, code)
}

func (f *googleFixture) empty() { f.srv.Empty(true) }

func (f *googleFixture) addPerson(t *testing.T, email string) string {
	u, err := f.srv.Add(fake.User{PrimaryEmail: email, GivenName: "Mixed", FamilyName: "Case",
		OrgUnitPath: "/Students/" + f.d.Schools[0].Name})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func (f *googleFixture) listCalls() int64 { return f.srv.Counts().UsersList }
func (f *googleFixture) obs() *recorder   { return f.rec }
func (f *googleFixture) maxAttempts() int { return f.conn.s.Retry.MaxAttempts }
