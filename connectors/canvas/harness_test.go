package canvas

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/license"
)

// adminID is the district's admin, whose token the connector uses.
const adminID = 1

// observerBase numbers the parents district() adds as observers.
const observerBase = 900000

// district turns a vendor-neutral roster into a Canvas district: a root
// account with a sub-account and a sub-sub-account, courses spread over
// the three (so account:1 must include sub-accounts), one term, teacher
// variants as TeacherEnrollment, TaEnrollment and DesignerEnrollment,
// statuses as enrollment states (suspended as completed), one parent
// observing in every course, and students logging in with an SIS username
// (login_id s<id>), so that an email can come only from the email Canvas
// shows; the roster's people without an email have none in Canvas.
func district(r connectortest.Roster) *fake.District {
	d := &fake.District{
		Accounts: []fake.Account{{ID: 1, Name: "District"}, {ID: 2, ParentID: 1, Name: "High Schools"}, {ID: 3, ParentID: 2, Name: "Evening School"}},
		Terms:    []fake.Term{{ID: 1, Name: "2025-26"}},
		Users:    []fake.User{{ID: adminID, Name: "Canvas Admin", SortableName: "Admin, Canvas", Email: "canvas.admin@district.example.org", LoginID: "canvas.admin", Admin: true}},
	}
	for i, u := range r.Units {
		cid, _ := strconv.ParseInt(u.ID, 10, 64)
		d.Courses = append(d.Courses, fake.Course{ID: cid, AccountID: int64(1 + i%3), TermID: 1, Name: u.Name,
			CourseCode: fmt.Sprintf("U%d", i+1), WorkflowState: "available"})
		parent := int64(observerBase + i)
		d.Users = append(d.Users, fake.User{ID: parent, Name: fmt.Sprintf("Parent %d", i), SortableName: fmt.Sprintf("%d, Parent", i),
			Email: fmt.Sprintf("parent%d@home.example.org", i), LoginID: fmt.Sprintf("parent%d", i)})
		d.Enrollments = append(d.Enrollments, fake.Enrollment{ID: int64(700000 + i), CourseID: cid, UserID: parent,
			Type: fake.ObserverEnrollment, State: fake.StateActive})
	}
	teacherTypes := []string{fake.TeacherEnrollment, fake.TaEnrollment, fake.DesignerEnrollment}
	states := map[connectortest.Status]string{
		connectortest.StatusActive: fake.StateActive, connectortest.StatusInactive: fake.StateInactive,
		connectortest.StatusDeleted: fake.StateDeleted, connectortest.StatusSuspended: fake.StateCompleted,
	}
	next := int64(800000)
	for _, p := range r.People {
		uid, _ := strconv.ParseInt(p.ID, 10, 64)
		u := fake.User{ID: uid, Name: p.Name(), SortableName: p.Family + ", " + p.Given, Email: p.Email,
			LoginID: "s" + p.ID, SISUserID: "s" + p.ID}
		d.Users = append(d.Users, u)
		for _, m := range p.Units {
			cid, _ := strconv.ParseInt(m.Unit, 10, 64)
			typ := fake.StudentEnrollment
			if m.Role == license.RoleTeacher {
				typ = teacherTypes[m.Variant%len(teacherTypes)]
			}
			next++
			d.Enrollments = append(d.Enrollments, fake.Enrollment{ID: next, CourseID: cid, UserID: uid, Type: typ, State: states[p.Status]})
		}
	}
	return d
}

// canvasEnv is a fake Canvas and a connector on it.
type canvasEnv struct {
	srv   *fake.Server
	conn  *Connector
	rec   *connectortest.Recorder
	clock *connectortest.Clock
	set   Settings
}

// newEnv serves d with the admin's personal token; adjust edits the
// settings before the connector opens. In tests (not benchmarks) the fake
// answers through its fidelity recorder, checked when the test ends.
func newEnv(t testing.TB, d *fake.District, name string, rec *connectortest.Recorder, clock *connectortest.Clock, adjust func(*Settings)) *canvasEnv {
	t.Helper()
	_, bench := t.(*testing.B)
	srv := fake.New(fake.Options{District: d, Fidelity: !bench})
	t.Cleanup(srv.Close)
	if !bench {
		t.Cleanup(func() { srv.Fidelity().Check(t) })
	}
	if rec == nil {
		rec = connectortest.NewRecorder()
	}
	if clock == nil {
		clock = connectortest.NewClock()
	}
	e := &canvasEnv{srv: srv, rec: rec, clock: clock}
	e.set = Settings{BaseURL: srv.URL(), AccessToken: configSecret(srv.NewToken(adminID))}
	if adjust != nil {
		adjust(&e.set)
	}
	conn, err := New(e.set, connectors.OpenOptions{Name: name, Upstream: rec, HTTPClient: srv.Client()}, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

func setupCanvas(t *testing.T, env connectortest.Env) connectortest.Instance {
	e := newEnv(t, district(env.Roster), env.Name, env.Upstream, env.Clock, func(s *Settings) { s.PerPage = env.PageSize })
	return connectortest.Instance{
		Connector:   e.conn,
		Selection:   connectors.Selection{Units: []string{"account:1"}},
		Faults:      canvasFaults{e.srv},
		Requests:    func() int { return int(e.srv.Counts().UserPages) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
	}
}

// canvasFaults are the fake's switches in the suite's terms.
type canvasFaults struct{ srv *fake.Server }

// RateLimit throttles as Canvas documents it, 403 "Forbidden (Rate Limit
// Exceeded)" in plain text, which names no wait.
func (f canvasFaults) RateLimit(n int) time.Duration {
	f.srv.RateLimit(fake.Forbidden403, n)
	return 0
}

func (f canvasFaults) ServerErrors(n int) { f.srv.ServerErrors(500, n) }

func (f canvasFaults) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	f.srv.FailOnPage(n, code)
}

func (f canvasFaults) BadCredentials() string {
	f.srv.RevokeTokens()
	return fake.MsgInvalidToken
}

func (f canvasFaults) SlowPages(d time.Duration) { f.srv.SlowPages(d) }
func (f canvasFaults) Empty()                    { f.srv.Empty(true) }
