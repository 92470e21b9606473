package classroom

import (
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/classroom/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/license"
)

// The fake's switches are the suite's, with no adapter.
var _ connectortest.Faults = (*fake.Server)(nil)

// TestConformance runs the shared connector suite against the fake
// Classroom.
func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: Type, Setup: setupClassroom, WaitsOutRateLimits: true})
}

// userID maps a roster id to a Google-style numeric user id.
func userID(rosterID string) string { return "1090000000000" + rosterID }

// setupClassroom serves env.Roster as a school: each unit an ACTIVE
// course owned by its first teacher (or, with none, by the admin, who
// does not teach it), each active membership an enrollment. Inactive
// people were invited and never joined, deleted ones had their account
// deleted after enrolling, suspended ones were removed from their courses.
func setupClassroom(t *testing.T, env connectortest.Env) connectortest.Instance {
	school := &fake.School{Domain: "district.example.org", Admin: "classroom.admin@district.example.org",
		Users: []fake.User{{ID: "1080000000000001", Email: "classroom.admin@district.example.org", GivenName: "Rosa", FamilyName: "Admin", Admin: true}}}
	for _, p := range env.Roster.People {
		school.Users = append(school.Users, fake.User{ID: userID(p.ID), Email: p.Email, GivenName: p.Given, FamilyName: p.Family})
	}
	for _, u := range env.Roster.Units {
		c := fake.Course{ID: u.ID, Name: u.Name, State: fake.StateActive, OwnerID: school.Users[0].ID}
		for _, m := range env.Roster.Members(u.ID) {
			if m.Role == license.RoleTeacher && c.OwnerID == school.Users[0].ID {
				c.OwnerID = userID(m.Person.ID)
			}
			if m.Person.Status == connectortest.StatusInactive {
				continue // invited below
			}
			if m.Role == license.RoleTeacher {
				c.Teachers = append(c.Teachers, userID(m.Person.ID))
			} else {
				c.Students = append(c.Students, userID(m.Person.ID))
			}
		}
		school.Courses = append(school.Courses, c)
	}
	e := newEnv(t, school, envOptions{name: env.Name, rec: env.Upstream, clock: env.Clock,
		settings: func(s *Settings) { s.PageSize = env.PageSize }})
	for _, p := range env.Roster.People {
		for _, m := range p.Units {
			var err error
			switch p.Status {
			case connectortest.StatusInactive:
				err = e.srv.Invite(m.Unit, userID(p.ID))
			case connectortest.StatusSuspended:
				role := fake.Student
				if m.Role == license.RoleTeacher {
					role = fake.Teacher
				}
				err = e.srv.Unenroll(m.Unit, userID(p.ID), role)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if p.Status == connectortest.StatusDeleted && len(p.Units) > 0 {
			if err := e.srv.RemoveUser(userID(p.ID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return connectortest.Instance{
		Connector:   e.conn,
		Selection:   connectors.Selection{Units: []string{UnitAll}},
		Faults:      e.srv,
		Requests:    func() int { return int(e.srv.Counts().Listings) },
		MaxAttempts: e.conn.s.Retry.MaxAttempts,
		ExternalID:  userID,
	}
}

// Keep the suite's notion of a wait honest: the fake's RateLimit names
// none, as Classroom's 429 does not.
func TestRateLimitNamesNoWait(t *testing.T) {
	e := newEnv(t, fake.Generate(3, 300), envOptions{})
	if d := e.srv.RateLimit(1); d != time.Duration(0) {
		t.Errorf("RateLimit asks for %s, want none", d)
	}
	if _, _, err := collect(t, e.conn, connectors.Selection{Units: []string{UnitAll}}); err != nil {
		t.Fatal(err)
	}
	if n := e.rec.Retries("rate_limit"); n != 1 {
		t.Errorf("%d rate-limit retries, want 1", n)
	}
}
