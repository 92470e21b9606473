package blackboard

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/blackboard/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
	"github.com/rollcall-sync/rollcall/license"
)

// members works out from the district itself who a sync of courses
// (primary ids; a cross-listed parent brings its children's members) must
// return, by email as Learn holds it: available memberships of available
// users, roles as mapped, people with an email.
func members(d *fake.District, roles map[string]string, courses ...string) map[string]string {
	in := map[string]bool{}
	for _, c := range courses {
		in[c] = true
	}
	for _, c := range d.Courses {
		if c.ParentID != "" && in[c.ParentID] {
			in[c.ID] = true
		}
	}
	users := map[string]fake.User{}
	for _, u := range d.Users {
		users[u.ID] = u
	}
	out := map[string]string{}
	for _, m := range d.Memberships {
		u := users[m.UserID]
		role, ok := roles[m.CourseRoleID]
		if !in[m.CourseID] || !ok || m.Available != fake.Yes || u.Available != fake.Yes || u.Email == "" {
			continue
		}
		if out[u.Email] != "teacher" {
			out[u.Email] = role
		}
	}
	return out
}

// termCourses lists the courses of term t that a sync reads: available
// ones (Yes, or Term while the term is), or all with unavailable.
func termCourses(d *fake.District, t string, unavailable bool) []string {
	termOpen := map[string]bool{}
	for _, tm := range d.Terms {
		termOpen[tm.ID] = tm.Available == "" || tm.Available == fake.Yes
	}
	var out []string
	for _, c := range d.Courses {
		open := c.Available == fake.Yes || (c.Available == fake.ByTerm && termOpen[c.TermID])
		if c.TermID == t && !c.Organization && (unavailable || open) {
			out = append(out, c.ID)
		}
	}
	return out
}

func fetchAll(t *testing.T, c *Connector, sel connectors.Selection) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := c.Fetch(context.Background(), sel, func(ps []connectors.Person) error {
		for _, p := range ps {
			if p.Email == "" {
				continue
			}
			if out[p.Email] != "teacher" {
				out[p.Email] = string(p.Role)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFetchUnits(t *testing.T) {
	d := fake.Generate(7, 300, 20)
	// A closed past term with two courses: one open, one following the term.
	d.Terms[1].Available = fake.No
	d.Courses[5].TermID, d.Courses[6].TermID, d.Courses[6].Available = "_2_1", "_2_1", fake.ByTerm
	if got := termCourses(d, "_2_1", false); len(got) != 1 || got[0] != d.Courses[5].ID {
		t.Fatalf("closed-term setup: %v", got)
	}
	withCo := maps.Clone(fake.DefaultRoles)
	withCo[fake.CustomCoTeacher] = "teacher"
	withGuests := maps.Clone(fake.DefaultRoles)
	withGuests[fake.RoleGuest] = "other"
	first, second, unavailable := d.Courses[0], d.Courses[1], d.Courses[9]
	if second.ParentID != first.ID || unavailable.Available != fake.No {
		t.Fatal("the generated district lacks its cross-listed pair or its unavailable course")
	}
	cases := []struct {
		name     string
		units    []string
		roles    map[string]license.Role // selection roles
		settings map[string]license.Role
		options  map[string]string
		want     map[string]string
	}{
		{"course by primary id (cross-listed parent)", []string{"course:" + first.ID}, nil, nil, nil,
			members(d, fake.DefaultRoles, first.ID)},
		{"course by courseId", []string{"course:courseId:" + second.CourseID}, nil, nil, nil,
			members(d, fake.DefaultRoles, second.ID)},
		{"course by externalId", []string{"course:externalId:" + d.Courses[3].ExternalID}, nil, nil, nil,
			members(d, fake.DefaultRoles, d.Courses[3].ID)},
		{"course by uuid", []string{"course:uuid:" + d.Courses[4].UUID}, nil, nil, nil,
			members(d, fake.DefaultRoles, d.Courses[4].ID)},
		{"term by externalId skips the organization and unavailable courses", []string{"term:externalId:2026-FA"}, nil, nil, nil,
			members(d, fake.DefaultRoles, termCourses(d, "_1_1", false)...)},
		{"data source (both terms)", []string{"datasource:_2_1"}, nil, nil, nil,
			members(d, fake.DefaultRoles, append(termCourses(d, "_1_1", false), termCourses(d, "_2_1", false)...)...)},
		{"courses following a closed term are skipped", []string{"term:_2_1"}, nil, nil, nil,
			members(d, fake.DefaultRoles, termCourses(d, "_2_1", false)...)},
		{"unavailable courses on request", []string{"term:_1_1"}, nil, nil, map[string]string{"include_unavailable_courses": "true"},
			members(d, fake.DefaultRoles, termCourses(d, "_1_1", true)...)},
		{"custom role mapped in the settings", []string{"term:_1_1"}, nil, map[string]license.Role{fake.CustomCoTeacher: license.RoleTeacher}, nil,
			members(d, withCo, termCourses(d, "_1_1", false)...)},
		{"guests mapped by the deployment", []string{"term:_1_1"}, map[string]license.Role{fake.RoleGuest: license.RoleOther}, nil, nil,
			members(d, withGuests, termCourses(d, "_1_1", false)...)},
		{"two units over the same course read it once", []string{"course:" + d.Courses[5].ID, "course:" + d.Courses[5].ID}, nil, nil, nil,
			members(d, fake.DefaultRoles, d.Courses[5].ID)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.want) == 0 {
				t.Fatal("nobody expected: the case cannot fail")
			}
			e := newEnv(t, d, fake.Options{Fidelity: true}, "learn", nil, nil, func(s *Settings) { s.PageSize = 25; s.Roles = tc.settings })
			got := fetchAll(t, e.conn, connectors.Selection{Units: tc.units, Roles: tc.roles, Options: tc.options})
			if !maps.Equal(got, tc.want) {
				for k, v := range tc.want {
					if got[k] != v {
						t.Errorf("%s: got %q, want %q", k, got[k], v)
					}
				}
				for k, v := range got {
					if _, ok := tc.want[k]; !ok {
						t.Errorf("unexpected %s (%s)", k, v)
					}
				}
			}
		})
	}
}

// Once the application's daily quota is spent, Learn answers 429 until
// the window resets a day later: the sync fails at once, says so, and does
// not sleep through the day.
func TestQuotaSpent(t *testing.T) {
	clock := connectortest.NewClock()
	rec := connectortest.NewRecorder()
	e := newEnv(t, fake.Generate(3, 200, 10), fake.Options{Fidelity: true, Quota: 4}, "learn", rec, clock, func(s *Settings) { s.PageSize = 10 })
	err := e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"term:_1_1"}}, func([]connectors.Person) error { return nil })
	if !errors.Is(err, connectors.ErrRateLimited) {
		t.Fatalf("Fetch over the quota = %v, want ErrRateLimited", err)
	}
	if !strings.Contains(err.Error(), "quota resets in") || !strings.Contains(err.Error(), fake.MsgQuota) {
		t.Errorf("error %q does not say the quota is spent and when it resets", err)
	}
	var slept time.Duration
	for _, d := range clock.Slept() {
		slept += d
	}
	if slept > time.Minute {
		t.Errorf("slept %s waiting for a daily quota", slept)
	}
	if e.srv.Counts().Throttled == 0 {
		t.Fatal("the fake never throttled: the test cannot fail")
	}
}

// An access token that expires mid-sync is renewed once and the sync goes
// on; Learn's entitlement refusal is reported plainly.
func TestTokenAndEntitlements(t *testing.T) {
	d := fake.Generate(5, 200, 8)
	t.Run("expired token renewed", func(t *testing.T) {
		e := newEnv(t, d, fake.Options{Fidelity: true}, "learn", nil, nil, func(s *Settings) { s.PageSize = 10 })
		pages := 0
		err := e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"term:_1_1"}}, func([]connectors.Person) error {
			pages++
			if pages == 2 {
				e.srv.ExpireTokens()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if c := e.srv.Counts(); c.Token != 2 || c.Unauthorized != 1 {
			t.Fatalf("token requests %d, 401s %d; want 2 and 1", c.Token, c.Unauthorized)
		}
	})
	t.Run("missing entitlement", func(t *testing.T) {
		e := newEnv(t, d, fake.Options{Fidelity: true}, "learn", nil, nil, nil)
		e.srv.Forbid(true)
		err := e.conn.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "entitlement") || !strings.Contains(err.Error(), `"learn"`) {
			t.Fatalf("Check without entitlements = %v", err)
		}
	})
	t.Run("secret never in errors", func(t *testing.T) {
		e := newEnv(t, d, fake.Options{Fidelity: true}, "learn", nil, nil, nil)
		_, secret := e.srv.Credentials()
		e.srv.RotateSecret()
		err := e.conn.Check(context.Background())
		if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), fake.MsgBadClient) {
			t.Fatalf("Check with a reset secret = %v", err)
		}
	})
}

func TestValidateSelection(t *testing.T) {
	d := fake.Generate(5, 50, 4)
	e := newEnv(t, d, fake.Options{Fidelity: true}, "learn", nil, nil, nil)
	cases := []struct {
		units []string
		want  error
	}{
		{[]string{"course:" + d.Courses[0].ID, "term:externalId:2026-FA", "datasource:externalId:SIS.2026"}, nil},
		{[]string{"course:_999_1"}, ErrUnknownUnit},
		{[]string{"term:externalId:1999"}, ErrUnknownUnit},
		{[]string{"datasource:_9_1"}, ErrUnknownUnit},
		{[]string{"course:123"}, ErrBadUnit},
		{[]string{"course:name:Algebra"}, ErrBadUnit},
		{[]string{"term:courseId:x"}, ErrBadUnit},
		{[]string{"section:_1_1"}, ErrBadUnit},
		{nil, nil}, // reported, checked below
	}
	for _, tc := range cases {
		err := e.conn.ValidateSelection(context.Background(), connectors.Selection{Units: tc.units})
		switch {
		case tc.units == nil:
			if err == nil {
				t.Error("an empty selection validated")
			}
		case tc.want == nil && err != nil:
			t.Errorf("%v: %v", tc.units, err)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%v: %v, want %v", tc.units, err, tc.want)
		}
	}
}

// Learn's next-page links (a path with its query) are followed only on
// the connector's own origin.
func TestSameOrigin(t *testing.T) {
	e := newEnv(t, &fake.District{}, fake.Options{}, "learn", nil, nil, nil)
	from := e.srv.URL() + "/learn/api/public/v1/courses/_1_1/users?offset=0"
	cases := map[string]bool{
		"/learn/api/public/v1/courses/_1_1/users?offset=10&limit=10": true,
		"?offset=20":                         true,
		"https://elsewhere.example.org/next": false,
		"//evil.example.org/learn":           false,
	}
	for link, ok := range cases {
		_, err := siteurl.Follow(e.conn.base, from, link)
		if (err == nil) != ok {
			t.Errorf("Follow(%q) = %v, want ok=%v", link, err, ok)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	good := Settings{BaseURL: "https://learn.district.org", ApplicationKey: "k", ApplicationSecret: "s3cr3t-value"}
	cases := []struct {
		name   string
		edit   func(*Settings)
		fields []string
	}{
		{"good", func(*Settings) {}, nil},
		{"no base url", func(s *Settings) { s.BaseURL = "" }, []string{"settings.base_url"}},
		{"base url with path", func(s *Settings) { s.BaseURL = "https://learn.district.org/webapps" }, []string{"settings.base_url"}},
		{"no key or secret", func(s *Settings) { s.ApplicationKey, s.ApplicationSecret = "", "" }, []string{"settings.application_key", "settings.application_secret"}},
		{"page size", func(s *Settings) { s.PageSize = 101 }, []string{"settings.page_size"}},
		{"role", func(s *Settings) { s.Roles = map[string]license.Role{"Guest": "wizard"} }, []string{"settings.roles.Guest"}},
		{"retry", func(s *Settings) { s.Retry.MaxAttempts = -1 }, []string{"settings.retry.max_attempts"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.edit(&s)
			err := s.Validate()
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("validated")
			}
			for _, f := range tc.fields {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("%v does not name %s", err, f)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("the secret leaked: %v", err)
			}
		})
	}
}

func TestUnknownOption(t *testing.T) {
	e := newEnv(t, &fake.District{}, fake.Options{}, "learn", nil, nil, nil)
	for _, opts := range []map[string]string{{"include_unavailable": "true"}, {"include_unavailable_courses": "maybe"}} {
		err := e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"term:_1_1"}, Options: opts}, nil)
		if err == nil {
			t.Errorf("options %v accepted", opts)
		}
	}
	keys := slices.Sorted(maps.Keys(fake.DefaultRoles))
	if len(keys) != 4 {
		t.Fatalf("default roles %v", keys)
	}
}

// A Learn that shows nobody's email (the application's user lacks the
// entitlement) fails the read instead of planning everyone away, however
// few people it read (connectors.EmailCount's rule; this connector once
// let reads of fewer than 20 people pass).
func TestEmailsHidden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		d     *fake.District
		small bool // fewer than 20 people
	}{{"district", fake.Generate(11, 200, 8), false}, {"a few people", fake.Generate(11, 3, 1), true}} {
		t.Run(tc.name, func(t *testing.T) {
			sel := connectors.Selection{Units: []string{"term:_1_1"}}
			people := 0
			e := newEnv(t, tc.d, fake.Options{Fidelity: true}, "learn", nil, nil, nil)
			if err := e.conn.Fetch(context.Background(), sel, func(p []connectors.Person) error { people += len(p); return nil }); err != nil {
				t.Fatal(err)
			}
			if people == 0 || (people < 20) != tc.small {
				t.Fatalf("%d people read with emails shown", people)
			}
			for i := range tc.d.Users {
				tc.d.Users[i].Email = ""
			}
			e = newEnv(t, tc.d, fake.Options{Fidelity: true}, "learn", nil, nil, nil)
			err := e.conn.Fetch(context.Background(), sel, func([]connectors.Person) error { return nil })
			if !errors.Is(err, ErrEmailsHidden) || !errors.Is(err, connectors.ErrNoEmails) {
				t.Fatalf("Fetch with no email anywhere = %v, want ErrEmailsHidden and connectors.ErrNoEmails", err)
			}
			for _, want := range []string{`"learn"`, strconv.Itoa(people) + " people read", "system.user.VIEW"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not say %q", err, want)
				}
			}
		})
	}
}
