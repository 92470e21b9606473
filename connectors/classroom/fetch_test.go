package classroom

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/classroom/fake"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/license"
)

func inStates(states ...string) func(*fake.Course) bool {
	return func(c *fake.Course) bool { return slices.Contains(states, c.State) }
}

// compareRoles checks a Fetch against the people expected, by user id.
func compareRoles(t *testing.T, got map[string]connectors.Person, want map[string]license.Role) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("nobody expected: the test cannot fail")
	}
	for id, r := range want {
		if p, ok := got[id]; !ok {
			t.Errorf("missing %s (%s)", id, r)
		} else if p.Role != r {
			t.Errorf("%s (%s) is %s, want %s", id, p.Email, p.Role, r)
		}
	}
	for id, p := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected %s (%s, %s)", id, p.Email, p.Role)
		}
	}
}

// Only courses in course_states are read: ACTIVE by default.
func TestCourseStates(t *testing.T) {
	cases := []struct {
		name   string
		states []string
		want   []string
	}{
		{"default is active", nil, []string{fake.StateActive}},
		{"active and archived", []string{fake.StateActive, fake.StateArchived}, []string{fake.StateActive, fake.StateArchived}},
		{"provisioned only", []string{fake.StateProvisioned}, []string{fake.StateProvisioned}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fake.Generate(5, 3000), envOptions{settings: func(s *Settings) { s.CourseStates = tc.states }})
			courses := e.srv.Courses()
			other := 0
			for _, c := range courses {
				if !slices.Contains(tc.want, c.State) {
					other++
				}
			}
			if other == 0 {
				t.Fatal("every course is in the wanted states: the test cannot fail")
			}
			got, seen, err := collect(t, e.conn, connectors.Selection{Units: []string{UnitAll}})
			if err != nil {
				t.Fatal(err)
			}
			compareRoles(t, got, expect(courses, inStates(tc.want...)))
			for id, cs := range seen {
				for _, c := range cs {
					i := slices.IndexFunc(courses, func(x fake.Course) bool { return x.ID == c })
					if i < 0 || !slices.Contains(tc.want, courses[i].State) {
						t.Errorf("%s emitted for course %s outside %v", id, c, tc.want)
					}
				}
			}
		})
	}
}

// teacher:, owner: and course: units read exactly their courses, by id or
// email, each course once.
func TestSelectionUnits(t *testing.T) {
	e := newEnv(t, fake.Generate(6, 3000), envOptions{})
	courses := e.srv.Courses()
	users := e.srv.Users()
	email := func(id string) string {
		i := slices.IndexFunc(users, func(u fake.User) bool { return u.ID == id })
		return users[i].Email
	}
	// A teacher who owns some active courses and co-teaches another.
	var teacher string
	for _, c := range courses {
		if len(c.Teachers) > 1 && c.State == fake.StateActive {
			teacher = c.Teachers[1]
			break
		}
	}
	if teacher == "" {
		t.Fatal("no co-taught course: the test cannot tell owners from teachers")
	}
	active := inStates(fake.StateActive)
	teaches := func(c *fake.Course) bool { return active(c) && slices.Contains(c.Teachers, teacher) }
	owns := func(c *fake.Course) bool { return active(c) && c.OwnerID == teacher }
	var named []string
	for _, c := range courses {
		if active(&c) && len(named) < 3 {
			named = append(named, c.ID)
		}
	}
	isNamed := func(c *fake.Course) bool { return slices.Contains(named, c.ID) }
	cases := []struct {
		name  string
		units []string
		keep  func(*fake.Course) bool
	}{
		{"teacher by email", []string{UnitTeacher + email(teacher)}, teaches},
		{"teacher by id", []string{UnitTeacher + teacher}, teaches},
		{"owner by id", []string{UnitOwner + teacher}, owns},
		{"owner by email", []string{UnitOwner + strings.ToUpper(email(teacher))}, owns},
		{"courses by id", []string{UnitCourse + named[0], UnitCourse + named[1], UnitCourse + named[2], UnitCourse + named[0]}, isNamed},
		{"overlapping units", []string{UnitCourse + named[0], UnitAll}, active},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if n := len(expect(courses, tc.keep)); n == 0 {
				t.Fatal("the unit selects nobody: the test cannot fail")
			}
			got, seen, err := collect(t, e.conn, connectors.Selection{Units: tc.units})
			if err != nil {
				t.Fatal(err)
			}
			compareRoles(t, got, expect(courses, tc.keep))
			for id, cs := range seen {
				if c := slices.Clone(cs); len(slices.Compact(slices.Sorted(slices.Values(c)))) != len(cs) {
					t.Errorf("%s emitted twice for one course: %v", id, cs)
				}
			}
		})
	}
	if ok := slices.ContainsFunc(courses, func(c fake.Course) bool { return teaches(&c) && !owns(&c) }); !ok {
		t.Error("the teacher owns every course they teach: owner and teacher units were not told apart")
	}
}

// Selection.Roles keys "teacher" and "student" override the roles.
func TestRoleOverrides(t *testing.T) {
	e := newEnv(t, fake.Generate(8, 800), envOptions{})
	got, _, err := collect(t, e.conn, connectors.Selection{Units: []string{UnitAll},
		Roles: map[string]license.Role{RoleKeyTeacher: license.RoleOther, RoleKeyStudent: license.RoleTeacher}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]license.Role{}
	for id, r := range expect(e.srv.Courses(), inStates(fake.StateActive)) {
		// Someone who teaches and studies gets the stronger of the two.
		want[id] = map[license.Role]license.Role{license.RoleTeacher: license.RoleOther, license.RoleStudent: license.RoleTeacher}[r]
	}
	for id, p := range got {
		if want[id] == license.RoleOther && p.Role == license.RoleTeacher {
			want[id] = license.RoleTeacher // a teacher also enrolled as a student somewhere
		}
	}
	compareRoles(t, got, want)
}

// The connector asks for classroom.profile.emails; without it Classroom
// leaves emailAddress out, and the planner skips everyone with a reason.
func TestProfileEmailsScope(t *testing.T) {
	if !slices.Contains(Scopes(), fake.ScopeProfileEmails) {
		t.Fatalf("Scopes() = %v lacks %s", Scopes(), fake.ScopeProfileEmails)
	}
	for _, s := range Scopes() {
		if !strings.HasSuffix(s, ".readonly") && s != fake.ScopeProfileEmails {
			t.Errorf("scope %s is not read-only", s)
		}
	}
	cases := []struct {
		name   string
		scopes []string
		emails bool
	}{
		{"with the emails scope", nil, true},
		{"without it", []string{fake.ScopeCoursesReadonly, fake.ScopeRostersReadonly}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fake.Generate(9, 600), envOptions{scopes: tc.scopes})
			snap, err := reconcile.Collect(context.Background(), e.conn, connectors.Selection{Units: []string{UnitAll}})
			if err != nil {
				t.Fatal(err)
			}
			if snap.Fetched == 0 {
				t.Fatal("nobody fetched")
			}
			if tc.emails {
				if len(snap.People) == 0 || snap.SkippedCount >= snap.Fetched {
					t.Errorf("%d people, %d skipped of %d: emails were lost", len(snap.People), snap.SkippedCount, snap.Fetched)
				}
				return
			}
			if len(snap.People) != 0 || snap.SkippedCount != snap.Fetched {
				t.Errorf("without the emails scope: %d people, %d of %d skipped; want everyone skipped", len(snap.People), snap.SkippedCount, snap.Fetched)
			}
			for _, s := range snap.Skipped {
				if s.Reason != "no email" {
					t.Errorf("skip %+v: reason %q, want \"no email\"", s, s.Reason)
				}
			}
		})
	}
}

func TestSelectionErrors(t *testing.T) {
	e := newEnv(t, fake.Generate(2, 300), envOptions{})
	cases := []struct {
		name string
		sel  connectors.Selection
		want string
	}{
		{"no units", connectors.Selection{}, "names no units"},
		{"unknown form", connectors.Selection{Units: []string{"/Students"}}, "must be one of all, course:"},
		{"empty id", connectors.Selection{Units: []string{"course:"}}, "needs an id"},
		{"role key", connectors.Selection{Units: []string{"all"}, Roles: map[string]license.Role{"TeacherEnrollment": license.RoleTeacher}}, `roles["TeacherEnrollment"]`},
		{"role value", connectors.Selection{Units: []string{"all"}, Roles: map[string]license.Role{"student": "pupil"}}, "must be student, teacher or other"},
		{"option", connectors.Selection{Units: []string{"all"}, Options: map[string]string{"include_sub_org_units": "true"}}, "has none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.srv.Counts().API
			_, _, err := collect(t, e.conn, tc.sel)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"school"`) {
				t.Fatalf("Fetch = %v, want an error naming the connector and containing %q", err, tc.want)
			}
			if e.srv.Counts().API != before {
				t.Error("a bad selection still called Google")
			}
		})
	}
}

// ValidateSelection finds courses and users Classroom does not know, and
// courses outside course_states; Fetch of an unknown teacher fails with
// Google's message and the connector's name.
func TestValidateSelection(t *testing.T) {
	e := newEnv(t, fake.Generate(4, 2000), envOptions{})
	var active, archived, teacher string
	for _, c := range e.srv.Courses() {
		switch {
		case c.State == fake.StateActive && active == "":
			active, teacher = c.ID, c.OwnerID
		case c.State == fake.StateArchived && archived == "":
			archived = c.ID
		}
	}
	cases := []struct {
		name  string
		units []string
		is    error
		want  string
	}{
		{"known", []string{"all", UnitCourse + active, UnitTeacher + teacher, UnitOwner + teacher}, nil, ""},
		{"unknown course", []string{UnitCourse + "999"}, ErrUnknownCourse, "course:999"},
		{"unknown teacher", []string{UnitTeacher + "ghost@school.example.edu"}, ErrUnknownUser, "ghost@"},
		{"archived course", []string{UnitCourse + archived}, nil, "ARCHIVED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e.conn.ValidateSelection(context.Background(), connectors.Selection{Units: tc.units})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("ValidateSelection = %v, want %q (%v)", err, tc.want, tc.is)
			}
		})
	}
	_, _, err := collect(t, e.conn, connectors.Selection{Units: []string{UnitTeacher + "ghost@school.example.edu"}})
	if err == nil || !strings.Contains(err.Error(), "Requested entity was not found.") || !strings.Contains(err.Error(), Type+` "school"`) {
		t.Errorf("Fetch of an unknown teacher = %v", err)
	}
}

func TestSettingsValidate(t *testing.T) {
	cases := []struct {
		name string
		s    Settings
		want []string
	}{
		{"minimal", Settings{CredentialsFile: "k.json", Subject: "a@b.org"}, nil},
		{"states", Settings{CredentialsFile: "k.json", Subject: "a@b.org", CourseStates: []string{"ACTIVE", "ARCHIVED"}}, nil},
		{"nothing", Settings{}, []string{"credentials_file", "subject"}},
		{"bad state", Settings{CredentialsFile: "k", Subject: "a@b.org", CourseStates: []string{"active"}}, []string{"course_states[0]"}},
		{"bad urls", Settings{CredentialsFile: "k", Subject: "a@b.org", Endpoint: "ftp://x", TokenURL: "nope"}, []string{"endpoint", "token_url"}},
		{"page size", Settings{CredentialsFile: "k", Subject: "a@b.org", PageSize: 5000}, []string{"page_size"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("invalid settings accepted")
			}
			for _, f := range tc.want {
				if !strings.Contains(err.Error(), "settings."+f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
		})
	}
}

// The type is registered, and Check proves the link.
func TestRegisteredAndCheck(t *testing.T) {
	cfg, err := connectors.NewConfig(Type)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.(*Settings); !ok {
		t.Fatalf("registered config is %T", cfg)
	}
	e := newEnv(t, fake.Generate(1, 100), envOptions{})
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	msg := e.srv.BadCredentials()
	err = e.conn.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("Check with a revoked key = %v, want Google's %q", err, msg)
	}
}
