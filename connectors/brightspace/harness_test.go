package brightspace

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/brightspace/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/license"
)

// The harness tenant's roles: its own ids, as every tenant has.
const (
	roleAdmin    = 1100
	roleStudent  = 1101
	roleTeacher  = 1102
	roleTA       = 1103
	roleDesigner = 1104
	roleParent   = 1105
	roleGuest    = 1106
	serviceUser  = 1
	rootOU       = 6606
	schoolOU     = 7001
)

// harnessRoles is the configuration a district would write for the
// harness tenant: ids for most, a name for one.
var harnessRoles = map[string]license.Role{
	strconv.Itoa(roleStudent): license.RoleStudent, strconv.Itoa(roleTeacher): license.RoleTeacher,
	strconv.Itoa(roleTA): license.RoleTeacher, "Designer": license.RoleTeacher,
}

// district turns a vendor-neutral roster into a tenant: the units course
// offerings under a school under the organization, each with a section
// holding the same people; teacher variants as Instructor, Teaching
// Assistant and Designer; inactive and suspended people as inactive users,
// deleted people with no enrollment at all; a parent and a guest in every
// offering.
func district(r connectortest.Roster) *fake.District {
	d := &fake.District{
		Roles: []fake.Role{{ID: roleAdmin, Code: "admin", Name: "Administrator"}, {ID: roleStudent, Code: "student", Name: "Student"}, {ID: roleTeacher, Code: "instructor", Name: "Instructor"},
			{ID: roleTA, Code: "ta", Name: "Teaching Assistant"}, {ID: roleDesigner, Code: "", Name: "Designer"}, {ID: roleParent, Code: "parent", Name: "Parent"}, {ID: roleGuest, Code: "", Name: "Guest"}},
		OrgUnits: []fake.OrgUnit{{ID: rootOU, Name: "District", Type: fake.TypeOrganization},
			{ID: schoolOU, Name: "High School", Code: "HS", Type: fake.TypeDepartment, Parents: []int{rootOU}}},
		Users:       []fake.User{{ID: serviceUser, FirstName: "Service", LastName: "User", UserName: "svc", Email: "svc@district.example.org", Active: true}},
		Enrollments: []fake.Enrollment{{OrgUnitID: rootOU, UserID: serviceUser, RoleID: roleAdmin}},
	}
	extra := 900000
	for i, u := range r.Units {
		ou, _ := strconv.Atoi(u.ID)
		d.OrgUnits = append(d.OrgUnits, fake.OrgUnit{ID: ou, Name: u.Name, Code: "C" + u.ID, Type: fake.TypeCourseOffering, Parents: []int{schoolOU}},
			fake.OrgUnit{ID: 300000 + i, Name: u.Name + " A", Type: fake.TypeSection, Parents: []int{ou}})
		for _, role := range []int{roleParent, roleGuest} {
			extra++
			d.Users = append(d.Users, fake.User{ID: extra, FirstName: "Extra", LastName: strconv.Itoa(extra),
				Email: "extra" + strconv.Itoa(extra) + "@home.example.org", Active: true})
			d.Enrollments = append(d.Enrollments, fake.Enrollment{OrgUnitID: ou, UserID: extra, RoleID: role})
		}
	}
	teacherRoles := []int{roleTeacher, roleTA, roleDesigner}
	for _, p := range r.People {
		uid, _ := strconv.Atoi(p.ID)
		d.Users = append(d.Users, fake.User{ID: uid, FirstName: p.Given, LastName: p.Family, UserName: "u" + p.ID, OrgDefinedID: "S" + p.ID,
			Email: p.Email, Active: p.Status == connectortest.StatusActive})
		if p.Status == connectortest.StatusDeleted {
			continue // Brightspace deletes the enrollments
		}
		for _, m := range p.Units {
			ou, _ := strconv.Atoi(m.Unit)
			role := roleStudent
			if m.Role == license.RoleTeacher {
				role = teacherRoles[m.Variant%len(teacherRoles)]
			}
			d.Enrollments = append(d.Enrollments, fake.Enrollment{OrgUnitID: ou, UserID: uid, RoleID: role})
			for i, u := range r.Units {
				if u.ID == m.Unit {
					d.Enrollments = append(d.Enrollments, fake.Enrollment{OrgUnitID: 300000 + i, UserID: uid, RoleID: role})
				}
			}
		}
	}
	return d
}

// bsEnv is a fake tenant and a connector on it.
type bsEnv struct {
	srv  *fake.Server
	conn *Connector
	set  Settings
}

// newEnv serves d and opens a connector with a fresh refresh token of
// user (the service user) and a token file in a temporary folder; adjust edits
// the settings first.
func newEnv(t testing.TB, d *fake.District, opts fake.Options, user int, name string, rec *connectortest.Recorder, clock *connectortest.Clock, adjust func(*Settings)) *bsEnv {
	t.Helper()
	opts.District = d
	srv := fake.New(opts)
	t.Cleanup(srv.Close)
	if fr := srv.Fidelity(); fr != nil {
		t.Cleanup(func() { fr.Check(t) })
	}
	if rec == nil {
		rec = connectortest.NewRecorder()
	}
	if clock == nil {
		clock = connectortest.NewClock()
	}
	id, secret := srv.ClientCredentials()
	e := &bsEnv{srv: srv, set: Settings{BaseURL: srv.URL(), TokenURL: srv.TokenURL(), ClientID: id, ClientSecret: config.Secret(secret),
		RefreshToken: config.Secret(srv.IssueRefreshToken(user)), TokenFile: filepath.Join(t.TempDir(), "token.json"),
		Roles: harnessRoles}}
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
	e := newEnv(t, district(env.Roster), fake.Options{Fidelity: true, PageSize: env.PageSize}, serviceUser, env.Name, env.Upstream, env.Clock, nil)
	return connectortest.Instance{
		Connector:   e.conn,
		Selection:   connectors.Selection{Units: []string{"orgunit:" + strconv.Itoa(rootOU)}},
		Faults:      faults{e.srv},
		Requests:    func() int { return int(e.srv.Counts().EnrollmentPages) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
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

// BadCredentials revokes the app's consent: the access token and every
// refresh token die.
func (f faults) BadCredentials() string {
	f.srv.RevokeAll()
	return fake.ErrInvalidGrant
}

func (f faults) SlowPages(d time.Duration) { f.srv.SlowPages(d) }
func (f faults) Empty()                    { f.srv.Empty(true) }
