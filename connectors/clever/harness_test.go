package clever

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/clever/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/license"
)

// userID is the Clever id the fake gives a roster person.
func userID(rosterID string) string {
	n, _ := strconv.Atoi(rosterID)
	return fake.ObjectID(fake.KindUser, n)
}

func sectionID(unitID string) string {
	n, _ := strconv.Atoi(unitID)
	return fake.ObjectID(fake.KindSection, n)
}

// district turns a vendor-neutral roster into a Clever district: two
// schools, a section per unit, everyone active a user (people who are not
// active are not shared, so Clever does not list them at all), roles from
// the memberships, teacher variant 1 also staff (repeated in role-filtered
// lists), variant 2 a co-teacher after the primary, every fourth person
// with a middle name, and one guardian per unit (a contact, in no section).
func district(r connectortest.Roster) *fake.District {
	d := &fake.District{ID: fake.ObjectID(fake.KindDistrict, 1), Name: "Conformance District",
		Schools: []fake.School{{ID: fake.ObjectID(fake.KindSchool, 1), Name: "North"}, {ID: fake.ObjectID(fake.KindSchool, 2), Name: "South"}}}
	school := func(i int) string { return d.Schools[i%2].ID }
	secIndex := map[string]int{}
	for i, u := range r.Units {
		secIndex[u.ID] = i
		d.Sections = append(d.Sections, fake.Section{ID: sectionID(u.ID), School: school(i), Name: u.Name, Subject: "math"})
	}
	for i, p := range r.People {
		if p.Status != connectortest.StatusActive {
			continue
		}
		u := fake.User{ID: userID(p.ID), Email: p.Email, First: p.Given, Last: p.Family}
		if i%4 == 1 {
			u.Middle = "Q"
		}
		var coTeach []int
		for _, m := range p.Units {
			k := secIndex[m.Unit]
			sec := &d.Sections[k]
			switch m.Role {
			case license.RoleTeacher:
				if u.Teacher == nil {
					u.Teacher = &fake.Role{}
				}
				u.Teacher.Schools = append(u.Teacher.Schools, sec.School)
				if m.Variant%3 == 1 {
					u.Staff = &fake.Role{Schools: []string{sec.School}}
				}
				if m.Variant%3 == 2 {
					coTeach = append(coTeach, k)
				} else {
					sec.Teachers = append([]string{u.ID}, sec.Teachers...)
				}
			default:
				if u.Student == nil {
					u.Student = &fake.Role{}
				}
				u.Student.Schools = append(u.Student.Schools, sec.School)
				sec.Students = append(sec.Students, u.ID)
			}
		}
		for _, k := range coTeach {
			d.Sections[k].Teachers = append(d.Sections[k].Teachers, u.ID)
		}
		d.Users = append(d.Users, u)
	}
	for i, u := range r.Units {
		var child string
		if s := d.Sections[i].Students; len(s) > 0 {
			child = s[0]
		}
		d.Users = append(d.Users, fake.User{ID: fake.ObjectID(fake.KindUser, 900000+i), First: "Parent", Last: u.Name,
			Email: fmt.Sprintf("parent%d@home.example.org", i), Contact: &fake.ContactRole{Students: []string{child}, Relationship: "Parent"}})
	}
	return d
}

// cleverEnv is a fake Clever and a connector on it.
type cleverEnv struct {
	srv  *fake.Server
	conn *Connector
	set  Settings
}

// newEnv serves d with a district token on the clock's time, checks on
// cleanup that the fake served only what its fidelity table lists, and
// opens a connector; adjust edits the settings first.
func newEnv(t testing.TB, d *fake.District, name string, rec *connectortest.Recorder, clock *connectortest.Clock, adjust func(*Settings)) *cleverEnv {
	t.Helper()
	if clock == nil {
		clock = connectortest.NewClock()
	}
	srv := fake.New(fake.Options{District: d, Now: clock.Now, Fidelity: true})
	t.Cleanup(func() {
		srv.Close()
		srv.Fidelity().Check(t)
	})
	e := &cleverEnv{srv: srv}
	e.set = Settings{BaseURL: srv.URL(), Token: config.Secret(srv.DistrictToken())}
	if adjust != nil {
		adjust(&e.set)
	}
	var up connectors.UpstreamObserver
	if rec != nil {
		up = rec
	}
	// The quota is paced on a clock that never waits: the wall clock
	// would hold a read of a few hundred requests for seconds.
	conn, err := New(e.set, connectors.OpenOptions{Name: name, Upstream: up, HTTPClient: srv.Client()},
		WithClock(clock), WithQuotaClock(connectortest.NewClock()))
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

// suiteReset is how far ahead the fake's 429s put X-RateLimit-Reset.
const suiteReset = 3 * time.Second

func setup(units func(r connectortest.Roster) []string) func(t *testing.T, env connectortest.Env) connectortest.Instance {
	return func(t *testing.T, env connectortest.Env) connectortest.Instance {
		e := newEnv(t, district(env.Roster), env.Name, env.Upstream, env.Clock, func(s *Settings) { s.PageSize = env.PageSize })
		return connectortest.Instance{
			Connector:   e.conn,
			Selection:   connectors.Selection{Units: units(env.Roster)},
			Faults:      cleverFaults{e.srv},
			Requests:    func() int { return int(e.srv.Counts().ListPages) },
			MaxAttempts: e.conn.s.Retry.MaxAttempts,
			ExternalID:  userID,
		}
	}
}

// cleverFaults are the fake's switches in the suite's terms.
type cleverFaults struct{ srv *fake.Server }

func (f cleverFaults) RateLimit(n int) time.Duration {
	f.srv.RateLimit(n, suiteReset)
	return suiteReset
}

func (f cleverFaults) ServerErrors(n int) { f.srv.ServerErrors(502, n) }

func (f cleverFaults) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	f.srv.FailOnPage(n, code)
}

func (f cleverFaults) BadCredentials() string {
	f.srv.RevokeTokens()
	return fake.MsgInvalidToken
}

func (f cleverFaults) SlowPages(d time.Duration) { f.srv.SlowPages(d) }
func (f cleverFaults) Empty()                    { f.srv.Empty(true) }

// retryOnce is a retry policy of a single attempt, for tests of answers.
var retryOnce = httpretry.Retry{MaxAttempts: 1}
