package lti

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// testKey is one RSA key for the package's tests: generating 2048-bit
// keys is slow, and the tests need a key, not a fresh one each.
var testKey = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "lti-key-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "tool.pem")
	_, err = GenerateKeyFile(path)
	return path, err
})

// keyFile copies the shared test key into dir.
func keyFile(t testing.TB, dir string) string {
	t.Helper()
	src, err := testKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "tool.pem")
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// courses turns a vendor-neutral roster into the platform's courses: a
// course per unit; teacher variants as the long Instructor URI, the short
// name and the TA sub-role; students as the long or short Learner, with an
// institution role beside; statuses as NRPS statuses (suspended as
// Inactive), no status for a third of the active; a Mentor (a parent with
// an email) in every course.
func courses(r connectortest.Roster) []fake.Course {
	teacher := []string{fake.RoleInstructor, "Instructor", fake.RoleTA}
	status := map[connectortest.Status]string{connectortest.StatusInactive: "Inactive",
		connectortest.StatusDeleted: "Deleted", connectortest.StatusSuspended: "Inactive"}
	out := make([]fake.Course, len(r.Units))
	for i, u := range r.Units {
		out[i] = fake.Course{ID: u.ID, Label: fmt.Sprintf("U%d", i+1), Title: u.Name}
		out[i].Members = append(out[i].Members, fake.Member{UserID: fmt.Sprintf("mentor-%d", i), Given: "Parent", Family: u.Name,
			Email: fmt.Sprintf("parent%d@home.example.org", i), Roles: []string{fake.RoleMentor}})
	}
	index := map[string]int{}
	for i, u := range r.Units {
		index[u.ID] = i
	}
	for k, p := range r.People {
		st := status[p.Status]
		if st == "" && k%3 != 0 {
			st = "Active"
		}
		for _, m := range p.Units {
			var roles []string
			if m.Role == license.RoleTeacher {
				roles = []string{teacher[m.Variant%3], fake.RoleInstFaculty}
			} else if k%2 == 0 {
				roles = []string{fake.RoleLearner, fake.RoleInstStudent}
			} else {
				roles = []string{"Learner"}
			}
			c := &out[index[m.Unit]]
			c.Members = append(c.Members, fake.Member{UserID: p.ID, Given: p.Given, Family: p.Family, Email: p.Email,
				Status: st, Roles: roles, SIS: "sis-" + p.ID})
		}
	}
	return out
}

// ltiEnv is a fake platform and a connector registered with it.
type ltiEnv struct {
	platform *fake.Platform
	conn     *Connector
	dir      string
}

const testClientID = "10000000000042"

func newEnv(t testing.TB, cs []fake.Course, name string, up connectors.UpstreamObserver, clock *connectortest.Clock, adjust func(*Settings)) *ltiEnv {
	t.Helper()
	p := fake.New(fake.Options{Courses: cs, Fidelity: true})
	t.Cleanup(func() {
		p.Close()
		p.Fidelity().Check(t)
	})
	dir := t.TempDir()
	s := Settings{Issuer: p.Issuer(), ClientID: testClientID, DeploymentIDs: []string{"dep-1"}, AuthLoginURL: p.AuthURL(),
		TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(), PrivateKeyFile: keyFile(t, dir)}
	if adjust != nil {
		adjust(&s)
	}
	var opts []Option
	if clock != nil {
		opts = append(opts, WithClock(clock))
	}
	conn, err := New(s, connectors.OpenOptions{Name: name, Upstream: up, HTTPClient: p.Client()}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	p.RegisterTool(fake.Tool{ClientID: testClientID, DeploymentID: "dep-1", LoginURL: "http://tool.invalid/lti/login",
		RedirectURIs: []string{"http://tool.invalid/lti/launch"}, Keys: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{conn.Key().Public()}}})
	return &ltiEnv{platform: p, conn: conn, dir: dir}
}

const suiteRetryAfter = 3 * time.Second

func setup(t *testing.T, env connectortest.Env) connectortest.Instance {
	e := newEnv(t, courses(env.Roster), env.Name, env.Upstream, env.Clock, func(s *Settings) { s.PageSize = env.PageSize })
	var units []string
	for _, u := range env.Roster.Units {
		units = append(units, "memberships:"+e.platform.MembershipsURL(u.ID))
	}
	return connectortest.Instance{
		Connector:   e.conn,
		Selection:   connectors.Selection{Units: units},
		Faults:      ltiFaults{e.platform},
		Requests:    func() int { return int(e.platform.Counts().NRPSPages) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
	}
}

type ltiFaults struct{ p *fake.Platform }

func (f ltiFaults) RateLimit(n int) time.Duration {
	f.p.RateLimit(n, suiteRetryAfter)
	return suiteRetryAfter
}
func (f ltiFaults) ServerErrors(n int) { f.p.ServerErrors(500, n) }
func (f ltiFaults) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	f.p.FailOnPage(n, code)
}
func (f ltiFaults) BadCredentials() string {
	f.p.RevokeTokens()
	return "the tool has no public keys registered"
}
func (f ltiFaults) SlowPages(d time.Duration) { f.p.SlowPages(d) }
func (f ltiFaults) Empty()                    { f.p.Empty(true) }
