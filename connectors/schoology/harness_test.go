package schoology

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
	"github.com/rollcall-sync/rollcall/connectors/schoology/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// district turns a vendor-neutral roster into a Schoology school: each
// roster unit a section (two per course, courses over three buildings);
// teachers enrolled admin=1 with the Teacher or School Admin role; inactive
// people with expired enrollments, suspended ones archived, deleted ones
// deactivated; a Guest member and a Parent user in every section.
func district(r connectortest.Roster) *fake.District {
	d := &fake.District{School: fake.School{ID: 344232, Title: "Roster School"}, Roles: fake.DefaultRoles(),
		Buildings: []fake.Building{{ID: 11, Title: "North"}, {ID: 12, Title: "South"}, {ID: 13, Title: "East"}}}
	for i, u := range r.Units {
		sid, _ := strconv.ParseInt(u.ID, 10, 64)
		cid := int64(500000 + i/2)
		if i%2 == 0 {
			d.Courses = append(d.Courses, fake.Course{ID: cid, BuildingID: int64(11 + (i/2)%3), Title: u.Name, Code: fmt.Sprint("C", i)})
		}
		d.Sections = append(d.Sections, fake.Section{ID: sid, CourseID: cid, Title: u.Name})
		guest := int64(800000 + i)
		d.Users = append(d.Users, fake.User{UID: guest, BuildingID: 11, First: "Guest", Last: fmt.Sprint(i), Email: fmt.Sprintf("guest%d@visitors.example.org", i), RoleID: fake.RoleGuest},
			fake.User{UID: int64(850000 + i), BuildingID: 11, First: "Parent", Last: fmt.Sprint(i), Email: fmt.Sprintf("parent%d@home.example.org", i), RoleID: fake.RoleParent})
		d.Enrollments = append(d.Enrollments, fake.Enrollment{ID: int64(700000 + i), SectionID: sid, UID: guest, Status: fake.StatusActive})
	}
	statuses := map[connectortest.Status]int{connectortest.StatusActive: fake.StatusActive, connectortest.StatusInactive: fake.StatusExpired,
		connectortest.StatusSuspended: fake.StatusArchived, connectortest.StatusDeleted: fake.StatusActive}
	next := int64(900000)
	for _, p := range r.People {
		uid, _ := strconv.ParseInt(p.ID, 10, 64)
		u := fake.User{UID: uid, BuildingID: 11, First: p.Given, Last: p.Family, Email: p.Email, RoleID: fake.RoleStudent,
			Inactive: p.Status == connectortest.StatusDeleted}
		for _, m := range p.Units {
			if m.Role == license.RoleTeacher {
				u.RoleID = []int64{fake.RoleTeacher, fake.RoleAdmin}[m.Variant%2]
			}
		}
		d.Users = append(d.Users, u)
		for _, m := range p.Units {
			sid, _ := strconv.ParseInt(m.Unit, 10, 64)
			next++
			d.Enrollments = append(d.Enrollments, fake.Enrollment{ID: next, SectionID: sid, UID: uid, Admin: m.Role == license.RoleTeacher, Status: statuses[p.Status]})
		}
	}
	return d
}

// env is a fake Schoology and a connector on it.
type env struct {
	srv  *fake.Server
	conn *Connector
	set  Settings
}

// newEnv serves d; adjust edits the settings before the connector opens.
// The fake runs under its fidelity recorder, checked when the test ends.
func newEnv(t testing.TB, d *fake.District, name string, rec *connectortest.Recorder, clock *connectortest.Clock, adjust func(*Settings)) *env {
	t.Helper()
	opts := fake.Options{District: d}
	tt, isTest := t.(*testing.T) // benchmarks run without the recorder
	if isTest {
		opts.Record = func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(tt) }) }
	}
	srv := fake.New(opts)
	t.Cleanup(srv.Close)
	if clock == nil {
		clock = connectortest.NewClock()
	}
	key, secret := srv.Credentials()
	e := &env{srv: srv, set: Settings{BaseURL: srv.URL(), ConsumerKey: key, ConsumerSecret: config.Secret(secret)}}
	if adjust != nil {
		adjust(&e.set)
	}
	oo := connectors.OpenOptions{Name: name, HTTPClient: srv.Client()}
	if rec != nil {
		oo.Upstream = rec
	}
	conn, err := New(e.set, oo, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

func setupSchoology(t *testing.T, ev connectortest.Env) connectortest.Instance {
	e := newEnv(t, district(ev.Roster), ev.Name, ev.Upstream, ev.Clock, func(s *Settings) { s.PageSize = ev.PageSize })
	return connectortest.Instance{
		Connector:   e.conn,
		Selection:   connectors.Selection{Units: []string{"school:344232"}},
		Faults:      faults{e.srv},
		Requests:    func() int { return int(e.srv.Counts().EnrollmentPages) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
	}
}

// suiteRetryAfter is what the fake's 429s ask for in the suite (Schoology
// documents no wait; the suite wants one it can check was honoured).
const suiteRetryAfter = 3 * time.Second

type faults struct{ srv *fake.Server }

func (f faults) RateLimit(n int) time.Duration {
	f.srv.RateLimit(n, suiteRetryAfter)
	return suiteRetryAfter
}
func (f faults) ServerErrors(n int) { f.srv.ServerErrors(503, n) }
func (f faults) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	f.srv.FailOnPage(n, code)
}
func (f faults) BadCredentials() string {
	f.srv.RevokeKey()
	return fake.MsgBadKey
}
func (f faults) SlowPages(d time.Duration) { f.srv.SlowPages(d) }
func (f faults) Empty()                    { f.srv.Empty(true) }
