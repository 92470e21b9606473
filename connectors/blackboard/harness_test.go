package blackboard

import (
	"fmt"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/blackboard/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/license"
)

// userID is the Learn primary id the harness gives roster person id.
func userID(rosterID string) string { return "_" + rosterID + "_1" }

// district turns a vendor-neutral roster into a Learn site: every unit a
// course of term _1_1 fed by data source _2_1, the second cross-listed
// under the first (so its members appear in both lists); teacher variants
// as Instructor, BbFacilitator and TeachingAssistant; inactive people as
// memberships unavailable (No), deleted ones as memberships the SIS
// disabled (Disabled), suspended ones as disabled users; a Guest, a Grader
// and a custom-role co-teacher in every course, and an organization whose
// members must not come through.
func district(r connectortest.Roster) *fake.District {
	d := &fake.District{
		Terms:       []fake.Term{{ID: "_1_1", ExternalID: "2026-FA", Name: "Fall 2026"}},
		DataSources: []fake.DataSource{{ID: "_2_1", ExternalID: "SIS.2026", Description: "SIS"}},
	}
	for i, u := range r.Units {
		c := fake.Course{ID: "_" + u.ID + "_1", UUID: "uuid" + u.ID, ExternalID: "SIS-" + u.ID, CourseID: "C-" + u.ID, Name: u.Name,
			TermID: "_1_1", DataSourceID: "_2_1", Available: fake.Yes}
		if i == 1 {
			c.ParentID = d.Courses[0].ID
		}
		d.Courses = append(d.Courses, c)
		for k, role := range []string{fake.RoleGuest, fake.RoleGrader, fake.CustomCoTeacher} {
			uid := fmt.Sprintf("_%d_1", 900000+i*10+k)
			d.Users = append(d.Users, fake.User{ID: uid, UserName: "extra" + uid, Given: "Extra", Family: role,
				Email: fmt.Sprintf("extra%d.%d@visitors.example.org", i, k), Available: fake.Yes})
			d.Memberships = append(d.Memberships, fake.Membership{ID: fmt.Sprintf("_%d_1", 800000+i*10+k), CourseID: c.ID, UserID: uid,
				DataSourceID: "_2_1", Available: fake.Yes, CourseRoleID: role})
		}
	}
	club := fake.Course{ID: "_77777_1", CourseID: "CLUB", Name: "Club", TermID: "_1_1", DataSourceID: "_2_1", Available: fake.Yes, Organization: true}
	d.Courses = append(d.Courses, club)
	d.Users = append(d.Users, fake.User{ID: "_77778_1", UserName: "clubber", Given: "Club", Family: "Member", Email: "club@district.example.org", Available: fake.Yes})
	d.Memberships = append(d.Memberships, fake.Membership{ID: "_77779_1", CourseID: club.ID, UserID: "_77778_1", DataSourceID: "_2_1", Available: fake.Yes, CourseRoleID: fake.RoleStudent})

	teacherRoles := []string{fake.RoleInstructor, fake.RoleFacilitator, fake.RoleTeachingAssistant}
	next := 600000
	for _, p := range r.People {
		u := fake.User{ID: userID(p.ID), UUID: "u" + p.ID, UserName: "user" + p.ID, StudentID: p.ID, Given: p.Given, Family: p.Family,
			Email: p.Email, Available: fake.Yes, DataSourceID: "_2_1"}
		avail := fake.Yes
		switch p.Status {
		case connectortest.StatusInactive:
			avail = fake.No
		case connectortest.StatusDeleted:
			avail = fake.Disabled
		case connectortest.StatusSuspended:
			u.Available = fake.No
		}
		d.Users = append(d.Users, u)
		for _, m := range p.Units {
			role := fake.RoleStudent
			if m.Role == license.RoleTeacher {
				role = teacherRoles[m.Variant%len(teacherRoles)]
			}
			next++
			d.Memberships = append(d.Memberships, fake.Membership{ID: fmt.Sprintf("_%d_1", next), CourseID: "_" + m.Unit + "_1",
				UserID: u.ID, DataSourceID: "_2_1", Available: avail, CourseRoleID: role})
		}
	}
	return d
}

// bbEnv is a fake Learn and a connector on it.
type bbEnv struct {
	srv  *fake.Server
	conn *Connector
	set  Settings
}

// newEnv serves d (held to FIDELITY.md unless fidelity is false) and
// opens a connector with the application's credentials; adjust edits the
// settings first.
func newEnv(t testing.TB, d *fake.District, opts fake.Options, name string, rec *connectortest.Recorder, clock *connectortest.Clock, adjust func(*Settings)) *bbEnv {
	t.Helper()
	opts.District = d
	srv := fake.New(opts)
	t.Cleanup(srv.Close)
	if rec := srv.Fidelity(); rec != nil {
		t.Cleanup(func() { rec.Check(t) })
	}
	if rec == nil {
		rec = connectortest.NewRecorder()
	}
	if clock == nil {
		clock = connectortest.NewClock()
	}
	key, secret := srv.Credentials()
	e := &bbEnv{srv: srv, set: Settings{BaseURL: srv.URL(), ApplicationKey: config.Secret(key), ApplicationSecret: config.Secret(secret)}}
	if adjust != nil {
		adjust(&e.set)
	}
	// The quota is paced on a clock that never waits: the wall clock
	// would hold a long read (or a benchmark's loop) for the quota.
	conn, err := New(e.set, connectors.OpenOptions{Name: name, Upstream: rec, HTTPClient: srv.Client()},
		WithClock(clock), WithQuotaClock(connectortest.NewClock()))
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

// suiteWait is what the fake's 429s ask for in the suite.
const suiteWait = 3 * time.Second

func setup(t *testing.T, env connectortest.Env) connectortest.Instance {
	e := newEnv(t, district(env.Roster), fake.Options{Fidelity: true}, env.Name, env.Upstream, env.Clock,
		func(s *Settings) { s.PageSize = env.PageSize })
	return connectortest.Instance{
		Connector:   e.conn,
		Selection:   connectors.Selection{Units: []string{"term:externalId:2026-FA"}},
		Faults:      faults{e.srv},
		Requests:    func() int { return int(e.srv.Counts().MemberPages) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
		ExternalID:  userID,
	}
}

// faults are the fake's switches in the suite's terms.
type faults struct{ srv *fake.Server }

func (f faults) RateLimit(n int) time.Duration {
	f.srv.RateLimit(n, suiteWait)
	return suiteWait
}

func (f faults) ServerErrors(n int) { f.srv.ServerErrors(500, n) }

func (f faults) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	f.srv.FailOnPage(n, code)
}

// BadCredentials resets the application's secret and ends every token:
// the connector's next call is refused and its new grant too.
func (f faults) BadCredentials() string {
	f.srv.RotateSecret()
	f.srv.ExpireTokens()
	return fake.MsgBadClient
}

func (f faults) SlowPages(d time.Duration) { f.srv.SlowPages(d) }
func (f faults) Empty()                    { f.srv.Empty(true) }
