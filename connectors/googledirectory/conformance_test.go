package googledirectory

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// TestConformance runs the shared connector suite against the fake
// Directory. A person is in exactly one org unit and always has a primary
// email, so the suite leaves out overlaps and people without email.
//
// The suite runs with concurrency 1: its fault cases count retries
// exactly ("the next n requests fail", "page 3 fails every time"), which
// holds only for one listing at a time. The concurrent read is held to
// the same contract by concurrent_test.go.
func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		WaitsOutRateLimits: true,
		Name:               Type,
		Setup:              setupGoogle,
		OneUnitPerPerson:   true,
		EmailRequired:      true,
	})
}

// suiteRetryAfter is the wait the fake's rate limits ask for in the suite.
const suiteRetryAfter = 3 * time.Second

// setupGoogle serves env.Roster as a directory: a roster unit's students
// go to a grade org unit (units spread over the generated schools' grades),
// its teachers to the middle school's staff unit, which holds no admins;
// inactive people are archived, suspended ones suspended, deleted ones
// added and then deleted. The selection maps /Staff to teacher.
func setupGoogle(t *testing.T, env connectortest.Env) connectortest.Instance {
	d := fake.Generate(env.Roster.Seed, 0)
	var grades []string
	for _, s := range d.Schools {
		for _, g := range s.Grades {
			grades = append(grades, "/Students/"+s.Name+"/"+g)
		}
	}
	staff := "/Staff/" + d.Schools[1].Name
	unitIndex := map[string]int{}
	for i, u := range env.Roster.Units {
		unitIndex[u.ID] = i
	}
	e := newEnv(t, d, envOptions{name: env.Name, rec: env.Upstream, clock: env.Clock,
		settings: func(s *Settings) { s.MaxResults = env.PageSize; s.Concurrency = 1 }})
	ids := map[string]string{}
	for _, p := range env.Roster.People {
		if len(p.Units) == 0 {
			continue
		}
		m := p.Units[0]
		ou := grades[unitIndex[m.Unit]%len(grades)]
		if m.Role == license.RoleTeacher {
			ou = staff
		}
		u, err := e.srv.Add(fake.User{PrimaryEmail: p.Email, GivenName: p.Given, FamilyName: p.Family, OrgUnitPath: ou,
			Suspended: p.Status == connectortest.StatusSuspended, Archived: p.Status == connectortest.StatusInactive})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == connectortest.StatusDeleted {
			if err := e.srv.Remove(u.PrimaryEmail); err != nil {
				t.Fatal(err)
			}
		}
		ids[p.ID] = u.ID
	}
	return connectortest.Instance{
		Connector: e.conn,
		Selection: connectors.Selection{
			Units:       []string{"/Students", staff},
			Roles:       map[string]license.Role{"/Staff": license.RoleTeacher},
			DefaultRole: license.RoleStudent,
		},
		Faults:      googleFaults{e},
		Requests:    func() int { return int(e.srv.Counts().UsersList) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
		ExternalID:  func(id string) string { return ids[id] },
	}
}

// otherKey is a second key for the test account's email: registering it
// makes Google's token endpoint refuse the key the connector holds.
var otherKey = sync.OnceValues(func() (*fake.ServiceAccount, error) {
	sa, _, err := fake.NewServiceAccount("rollcall-test@rollcall-fake.iam.gserviceaccount.com", "http://unused/token")
	return sa, err
})

// googleFaults are the fake Directory's switches in the suite's terms.
type googleFaults struct{ e *googleEnv }

func (g googleFaults) RateLimit(n int) time.Duration {
	g.e.srv.RateLimit(fake.UserRateLimitExceeded, n, suiteRetryAfter)
	return suiteRetryAfter
}

func (g googleFaults) ServerErrors(n int) { g.e.srv.ServerErrors(503, n) }

func (g googleFaults) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	g.e.srv.FailOnPage(n, code)
}

func (g googleFaults) BadCredentials() string {
	sa, err := otherKey()
	if err != nil {
		panic(fmt.Sprintf("generate a second key: %v", err)) // test setup only
	}
	g.e.srv.Register(sa)
	g.e.srv.ExpireTokens()
	return "Invalid JWT Signature."
}

func (g googleFaults) SlowPages(d time.Duration) { g.e.srv.SlowPages(d) }
func (g googleFaults) Empty()                    { g.e.srv.Empty(true) }

// Every signal Google uses for "slow down" and for a server fault is
// retried, and a body cut short is retried as a network error; the shared
// suite covers one of each, this covers them all.
func TestRetrySignals(t *testing.T) {
	type inject func(s *fake.Server, n int)
	rate := func(k fake.RateLimitKind) inject { return func(s *fake.Server, n int) { s.RateLimit(k, n, 0) } }
	server := func(code int) inject { return func(s *fake.Server, n int) { s.ServerErrors(code, n) } }
	cases := []struct {
		name   string
		inject inject
		reason string
	}{
		{"403 userRateLimitExceeded", rate(fake.UserRateLimitExceeded), reasonRateLimit},
		{"403 rateLimitExceeded", rate(fake.RateLimitExceeded), reasonRateLimit},
		{"403 quotaExceeded", rate(fake.QuotaExceeded), reasonRateLimit},
		{"429 RESOURCE_EXHAUSTED", rate(fake.ResourceExhausted), reasonRateLimit},
		{"500", server(500), reasonServerError},
		{"502 HTML", server(502), reasonServerError},
		{"503", server(503), reasonServerError},
		{"truncated body", func(s *fake.Server, n int) { s.Truncate(n) }, reasonNetwork},
	}
	for _, tc := range cases {
		for _, outlast := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/outlasts=%v", tc.name, outlast), func(t *testing.T) {
				e := newEnv(t, nil, envOptions{})
				n := 2
				waited := tc.reason == reasonRateLimit // Google's quota minute is waited out
				if outlast {
					n = e.conn.s.Retry.MaxAttempts
					if waited {
						n = 1 << 20 // past max_rate_wait
					}
				}
				tc.inject(e.srv, n)
				got, err := collect(t, e.conn, connectors.Selection{Units: []string{"/Staff"}})
				if outlast {
					if err == nil {
						t.Fatalf("Fetch succeeded though the fault outlasted the retries (%d answers)", n)
					}
					switch c := e.rec.TotalRetries(); {
					case waited && c <= e.conn.s.Retry.MaxAttempts-1:
						t.Errorf("%d retries before giving up: a rate limit is waited out past the %d attempts", c, e.conn.s.Retry.MaxAttempts)
					case !waited && c != n-1:
						t.Errorf("%d retries before giving up, want %d", c, n-1)
					}
					return
				}
				if err != nil {
					t.Fatalf("Fetch after %d transient faults: %v", n, err)
				}
				if c := e.rec.Retries(tc.reason); c != n {
					t.Errorf("%d retries with reason %s, want %d (all: %v)", c, tc.reason, n, e.rec.AllRetries())
				}
				if want := len(e.srv.ActiveIn("/Staff", true)); len(got) != want || want == 0 {
					t.Errorf("%d people after recovering, want %d", len(got), want)
				}
			})
		}
	}
}
