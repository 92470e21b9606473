package moodle

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
	"github.com/rollcall-sync/rollcall/connectors/moodle/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// site turns a vendor-neutral roster into a Moodle site: each roster unit
// a course in a category tree under category 2 (two levels deep, so the
// subcategories must be read); teachers as editingteacher or teacher;
// inactive people's enrolments ended, suspended ones suspended, deleted
// users gone; a parent (custom role) and a guest in every course.
func site(r connectortest.Roster) *fake.Site {
	s := &fake.Site{Name: "Roster Moodle", Categories: []fake.Category{{ID: 1, Name: "Misc"}, {ID: 2, Name: "Schools"},
		{ID: 3, Parent: 2, Name: "North"}, {ID: 4, Parent: 2, Name: "South"}, {ID: 5, Parent: 3, Name: "Electives"}}}
	for i, u := range r.Units {
		cid, _ := strconv.ParseInt(u.ID, 10, 64)
		s.Courses = append(s.Courses, fake.Course{ID: cid, CategoryID: int64(3 + i%3), Shortname: fmt.Sprint("U", i), Fullname: u.Name, Visible: true})
		pid, gid := int64(800000+i), int64(850000+i)
		s.Users = append(s.Users, fake.User{ID: pid, Username: fmt.Sprint("p", i), First: "Parent", Last: fmt.Sprint(i), Email: fmt.Sprintf("parent%d@home.example.org", i)},
			fake.User{ID: gid, Username: fmt.Sprint("g", i), First: "Guest", Last: fmt.Sprint(i), Email: fmt.Sprintf("guest%d@visitors.example.org", i)})
		s.Enrolments = append(s.Enrolments, fake.Enrolment{CourseID: cid, UserID: pid, Roles: []fake.Role{fake.RoleParent}},
			fake.Enrolment{CourseID: cid, UserID: gid, Roles: []fake.Role{fake.RoleGuest}})
	}
	for _, p := range r.People {
		uid, _ := strconv.ParseInt(p.ID, 10, 64)
		if p.Status != connectortest.StatusDeleted {
			s.Users = append(s.Users, fake.User{ID: uid, Username: "u" + p.ID, First: p.Given, Last: p.Family, Email: p.Email})
		}
		for _, m := range p.Units {
			cid, _ := strconv.ParseInt(m.Unit, 10, 64)
			role := fake.RoleStudent
			if m.Role == license.RoleTeacher {
				role = []fake.Role{fake.RoleEditingTeacher, fake.RoleTeacher}[m.Variant%2]
			}
			s.Enrolments = append(s.Enrolments, fake.Enrolment{CourseID: cid, UserID: uid, Roles: []fake.Role{role},
				Suspended: p.Status == connectortest.StatusSuspended, Ended: p.Status == connectortest.StatusInactive})
		}
	}
	return s
}

type env struct {
	srv  *fake.Server
	conn *Connector
}

// newEnv serves st under the fake's fidelity recorder (checked when the
// test ends); adjust edits the settings before the connector opens.
func newEnv(t testing.TB, st *fake.Site, name string, rec *connectortest.Recorder, clock *connectortest.Clock, adjust func(*Settings)) *env {
	t.Helper()
	opts := fake.Options{Site: st}
	tt, isTest := t.(*testing.T) // benchmarks run without the recorder
	if isTest {
		opts.Record = func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(tt) }) }
	}
	srv := fake.New(opts)
	t.Cleanup(srv.Close)
	if clock == nil {
		clock = connectortest.NewClock()
	}
	set := Settings{BaseURL: srv.URL(), Token: config.Secret(srv.Token())}
	if adjust != nil {
		adjust(&set)
	}
	oo := connectors.OpenOptions{Name: name, HTTPClient: srv.Client()}
	if rec != nil {
		oo.Upstream = rec
	}
	conn, err := New(set, oo, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, conn: conn}
}

func setupMoodle(t *testing.T, ev connectortest.Env) connectortest.Instance {
	e := newEnv(t, site(ev.Roster), ev.Name, ev.Upstream, ev.Clock, func(s *Settings) { s.PageSize = ev.PageSize })
	return connectortest.Instance{
		Connector:   e.conn,
		Selection:   connectors.Selection{Units: []string{"category:2"}},
		Faults:      faults{e.srv},
		Requests:    func() int { _, n := e.srv.Counts(); return int(n) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
	}
}

const suiteRetryAfter = 3 * time.Second

type faults struct{ srv *fake.Server }

func (f faults) RateLimit(n int) time.Duration {
	f.srv.RateLimit(n, suiteRetryAfter)
	return suiteRetryAfter
}
func (f faults) ServerErrors(n int) { f.srv.ServerErrors(503, n) }

// FailOnPage fails a page that cannot be retried as Moodle does: an HTTP
// 200 exception body.
func (f faults) FailOnPage(n int, retryable bool) {
	code := 200
	if retryable {
		code = 503
	}
	f.srv.FailOnPage(n, code)
}
func (f faults) BadCredentials() string {
	f.srv.RevokeToken()
	return fake.MsgInvalidToken
}
func (f faults) SlowPages(d time.Duration) { f.srv.SlowPages(d) }
func (f faults) Empty()                    { f.srv.Empty(true) }
