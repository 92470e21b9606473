package classroom

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/classroom/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/license"
)

// testAccount is one RSA service account shared by the tests: key
// generation is the slowest step, and each server registers it anew.
var testAccount = sync.OnceValues(func() (*fakeauth.ServiceAccount, error) {
	sa, _, err := fakeauth.NewServiceAccount("rollcall-test@rollcall-fake.iam.gserviceaccount.com", "http://unused/token")
	return sa, err
})

// env is a fake Classroom and a connector on it.
type env struct {
	srv   *fake.Server
	conn  *Connector
	rec   *connectortest.Recorder
	clock *connectortest.Clock
}

type envOptions struct {
	settings func(*Settings)
	grant    []string // the delegation grant; nil: fake.ReadOnlyScopes
	scopes   []string // what the connector asks for; nil: Scopes()
	name     string
	rec      *connectortest.Recorder
	clock    *connectortest.Clock
	// transport carries the connector's requests (nil: the default);
	// quotaClock is the quota's clock (nil: the wall clock).
	transport  http.RoundTripper
	quotaClock ratelimit.Clock
}

func newEnv(t testing.TB, school *fake.School, eo envOptions) *env {
	t.Helper()
	srv := fake.New(fake.Options{School: school})
	t.Cleanup(srv.Close)
	sa, err := testAccount()
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(sa, eo.grant...)
	dir := t.TempDir()
	key, err := sa.KeyFile(srv.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.json"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, rec: eo.rec, clock: eo.clock}
	if e.rec == nil {
		e.rec = connectortest.NewRecorder()
	}
	if e.clock == nil {
		e.clock = connectortest.NewClock()
	}
	name := eo.name
	if name == "" {
		name = "school"
	}
	s := Settings{CredentialsFile: "sa.json", Subject: srv.Admin(), Endpoint: srv.Endpoint(), PageSize: 50}
	if eo.settings != nil {
		eo.settings(&s)
	}
	// The quota is paced on a clock that never waits unless a test
	// brings its own: the wall clock would hold a read of a few hundred
	// requests for seconds.
	if eo.quotaClock == nil {
		eo.quotaClock = connectortest.NewClock()
	}
	opts := []Option{WithClock(e.clock), WithQuotaClock(eo.quotaClock)}
	if eo.scopes != nil {
		opts = append(opts, WithScopes(eo.scopes...))
	}
	oo := connectors.OpenOptions{Name: name, Upstream: e.rec, BaseDir: dir}
	if eo.transport != nil {
		oo.HTTPClient = &http.Client{Transport: eo.transport}
	}
	conn, err := New(s, oo, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

// collect runs a Fetch and returns each person's strongest role and
// the courses they were emitted for, by external id.
func collect(t *testing.T, c connectors.Connector, sel connectors.Selection) (map[string]connectors.Person, map[string][]string, error) {
	t.Helper()
	got := map[string]connectors.Person{}
	courses := map[string][]string{}
	err := c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
		for _, p := range page {
			if old, ok := got[p.ExternalID]; !ok || p.Role.Rank() > old.Role.Rank() {
				got[p.ExternalID] = p
			}
			courses[p.ExternalID] = append(courses[p.ExternalID], p.OrgUnit)
		}
		return nil
	})
	return got, courses, err
}

// expect is who a school's courses in states list, with the strongest
// role, by user id, computed from the school itself.
func expect(courses []fake.Course, keep func(*fake.Course) bool) map[string]license.Role {
	out := map[string]license.Role{}
	for i := range courses {
		c := &courses[i]
		if !keep(c) {
			continue
		}
		for _, id := range c.Students {
			if _, ok := out[id]; !ok {
				out[id] = license.RoleStudent
			}
		}
		for _, id := range c.Teachers {
			out[id] = license.RoleTeacher
		}
	}
	return out
}
