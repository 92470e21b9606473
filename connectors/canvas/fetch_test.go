package canvas

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/license"
)

// fetchRoles runs a Fetch and returns the strongest role per external id.
func fetchRoles(t *testing.T, c connectors.Connector, sel connectors.Selection) (map[string]license.Role, error) {
	t.Helper()
	got := map[string]license.Role{}
	err := c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
		for _, p := range page {
			if r, ok := got[p.ExternalID]; !ok || p.Role.Rank() > r.Rank() {
				got[p.ExternalID] = p.Role
			}
		}
		return nil
	})
	return got, err
}

// Observers are left out unless mapped, and any type can be remapped.
func TestObserversAndRoleOverrides(t *testing.T) {
	r := connectortest.GenerateRoster(3, 120, 4)
	parent := strconv.Itoa(observerBase) // observes the first unit
	cases := []struct {
		name      string
		observers license.Role // the include_observers setting
		roles     map[string]license.Role
		want      license.Role // the parent's role; "" for absent
	}{
		{"excluded by default", "", nil, ""},
		{"include_observers setting", license.RoleOther, nil, license.RoleOther},
		{"selection roles override the setting", license.RoleOther, map[string]license.Role{"ObserverEnrollment": license.RoleStudent}, license.RoleStudent},
		{"selection roles alone", "", map[string]license.Role{"ObserverEnrollment": license.RoleTeacher}, license.RoleTeacher},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, district(r), "lms", nil, nil, func(s *Settings) { s.IncludeObservers = tc.observers })
			got, err := fetchRoles(t, e.conn, connectors.Selection{Units: []string{"course:" + r.Units[0].ID}, Roles: tc.roles})
			if err != nil {
				t.Fatal(err)
			}
			if got[parent] != tc.want {
				t.Errorf("parent's role = %q, want %q", got[parent], tc.want)
			}
		})
	}
	t.Run("TaEnrollment remapped", func(t *testing.T) {
		e := newEnv(t, district(r), "lms", nil, nil, nil)
		got, err := fetchRoles(t, e.conn, connectors.Selection{Units: []string{"account:1"},
			Roles: map[string]license.Role{"TaEnrollment": license.RoleOther}})
		if err != nil {
			t.Fatal(err)
		}
		others := 0
		for _, p := range r.People {
			want := license.Role("")
			for _, m := range p.Units {
				mr := m.Role
				if m.Role == license.RoleTeacher && m.Variant%3 == 1 {
					mr = license.RoleOther
				}
				if p.Status == connectortest.StatusActive && (want == "" || mr.Rank() > want.Rank()) {
					want = mr
				}
			}
			if want == license.RoleOther {
				others++
			}
			if got[p.ID] != want {
				t.Errorf("%s: role %q, want %q", p.ID, got[p.ID], want)
			}
		}
		if others == 0 {
			t.Fatal("nobody is only a TA: the test cannot fail")
		}
	})
}

// account:<id> reaches the courses of sub-accounts unless told not to;
// term:<id> and course:<id> reach what they name.
func TestUnits(t *testing.T) {
	r := connectortest.GenerateRoster(5, 200, 6) // courses in accounts 1, 2, 3, 1, 2, 3
	inCourses := func(idx ...int) map[string]bool {
		out := map[string]bool{}
		for _, p := range r.People {
			for _, m := range p.Units {
				for _, i := range idx {
					if m.Unit == r.Units[i].ID && p.Status == connectortest.StatusActive {
						out[p.ID] = true
					}
				}
			}
		}
		return out
	}
	cases := []struct {
		name string
		sel  connectors.Selection
		want map[string]bool
	}{
		{"root account with sub-accounts", connectors.Selection{Units: []string{"account:1"}}, inCourses(0, 1, 2, 3, 4, 5)},
		{"account self", connectors.Selection{Units: []string{"account:self"}}, inCourses(0, 1, 2, 3, 4, 5)},
		{"sub-account and its sub-account", connectors.Selection{Units: []string{"account:2"}}, inCourses(1, 2, 4, 5)},
		{"without sub-accounts", connectors.Selection{Units: []string{"account:2"}, Options: map[string]string{"include_sub_accounts": "false"}}, inCourses(1, 4)},
		{"self without sub-accounts", connectors.Selection{Units: []string{"account:self"}, Options: map[string]string{"include_sub_accounts": "false"}}, inCourses(0, 3)},
		{"term", connectors.Selection{Units: []string{"term:1"}}, inCourses(0, 1, 2, 3, 4, 5)},
		{"two courses, one twice", connectors.Selection{Units: []string{"course:" + r.Units[1].ID, "course:" + r.Units[4].ID, "course:" + r.Units[1].ID}}, inCourses(1, 4)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, district(r), "lms", nil, nil, nil)
			got, err := fetchRoles(t, e.conn, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 {
				t.Fatal("expectation is empty")
			}
			for id := range tc.want {
				if _, ok := got[id]; !ok {
					t.Errorf("missing %s", id)
				}
			}
			for id := range got {
				if !tc.want[id] {
					t.Errorf("unexpected %s", id)
				}
			}
		})
	}
}

// The connector asks for Canvas's largest page, and the fake caps what it
// is asked for as Canvas does.
func TestPerPageCap(t *testing.T) {
	if err := (&Settings{BaseURL: "https://c.example", AccessToken: "t", PerPage: 101}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "per_page") {
		t.Errorf("per_page 101 accepted: %v", err)
	}
	r := connectortest.GenerateRoster(9, 700, 1) // one course of ~700 enrollments
	cases := []struct {
		name    string
		perPage int
	}{{"default", 0}, {"explicit 100", 100}, {"small", 30}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, district(r), "lms", nil, nil, func(s *Settings) { s.PerPage = tc.perPage })
			rows := 0
			err := e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"course:" + r.Units[0].ID}},
				func(p []connectors.Person) error { rows += len(p); return nil })
			if err != nil {
				t.Fatal(err)
			}
			per := tc.perPage
			if per == 0 {
				per = fake.MaxPerPage
			}
			// The fake filters enrollment_state[]=active and the types
			// server side, so every page but the last is full.
			if want := (rows + per - 1) / per; int(e.srv.Counts().UserPages) != want {
				t.Errorf("%d pages for %d users, want %d at %d a page", e.srv.Counts().UserPages, rows, want, per)
			}
		})
	}
	t.Run("fake caps per_page", func(t *testing.T) {
		e := newEnv(t, district(r), "lms", nil, nil, nil)
		tok := e.srv.NewToken(adminID)
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL()+"/api/v1/courses/"+r.Units[0].ID+"/users?per_page=500", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		next := parseLink(resp.Header.Values("Link"))["next"]
		if !strings.Contains(next, "per_page=100") {
			t.Errorf("next link %q does not carry the capped per_page=100", next)
		}
	})
}

// Canvas's throttling answers are retried as rate limits; a 403 that is
// not about throttling is not retried.
func TestThrottling(t *testing.T) {
	r := connectortest.GenerateRoster(2, 60, 2)
	cases := []struct {
		name        string
		inject      func(s *fake.Server)
		wantErr     bool
		wantRetries int
		minSleep    int // sleeps at least this many seconds long
	}{
		{"403 Rate Limit Exceeded", func(s *fake.Server) { s.RateLimit(fake.Forbidden403, 3) }, false, 3, 0},
		{"429 Rate Limit Exceeded", func(s *fake.Server) { s.RateLimit(fake.TooMany429, 2) }, false, 2, 0},
		{"403 outlasting the retries", func(s *fake.Server) { s.RateLimit(fake.Forbidden403, 100) }, true, DefaultMaxAttempts - 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, district(r), "lms", nil, nil, nil)
			tc.inject(e.srv)
			_, err := fetchRoles(t, e.conn, connectors.Selection{Units: []string{"account:1"}})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if err != nil && (!errors.Is(err, connectors.ErrRateLimited) || !strings.Contains(err.Error(), "Rate Limit Exceeded")) {
				t.Errorf("error %q: want ErrRateLimited and Canvas's words", err)
			}
			if got := e.rec.Retries(reasonRateLimit); got != tc.wantRetries {
				t.Errorf("%d rate-limit retries, want %d", got, tc.wantRetries)
			}
			long := 0
			for _, d := range e.clock.Slept() {
				if d.Seconds() >= float64(tc.minSleep) {
					long++
				}
			}
			if long < tc.wantRetries {
				t.Errorf("slept %v: want %d waits of at least %ds", e.clock.Slept(), tc.wantRetries, tc.minSleep)
			}
		})
	}
	t.Run("low bucket pauses", func(t *testing.T) {
		e := newEnv(t, district(r), "lms", nil, nil, func(s *Settings) { s.Retry.LowWater = 1000 })
		if _, err := fetchRoles(t, e.conn, connectors.Selection{Units: []string{"account:1"}}); err != nil {
			t.Fatal(err)
		}
		pauses := 0
		for _, d := range e.clock.Slept() {
			if d == DefaultPause {
				pauses++
			}
		}
		if want := int(e.srv.Counts().API); pauses != want {
			t.Errorf("%d pauses for %d requests answered with a low X-Rate-Limit-Remaining", pauses, want)
		}
	})
}

// Refused tokens and unknown units fail with Canvas's words, naming the
// connector; nothing is retried and the token never shows.
func TestErrors(t *testing.T) {
	r := connectortest.GenerateRoster(4, 40, 2)
	e := newEnv(t, district(r), "lms-east", nil, nil, nil)
	cases := []struct {
		name  string
		sel   connectors.Selection
		setup func()
		is    error
		want  []string
	}{
		{"unknown course", connectors.Selection{Units: []string{"course:424242"}}, nil, ErrUnknownUnit, []string{"404", fake.MsgNotFound, "course 424242"}},
		{"bad unit", connectors.Selection{Units: []string{"section:7"}}, nil, ErrBadUnit, []string{`"section:7"`}},
		{"bad state option", connectors.Selection{Units: []string{"account:1"}, Options: map[string]string{"enrollment_states": "active,gone"}}, nil, nil, []string{"enrollment_states", `"gone"`}},
		{"revoked token", connectors.Selection{Units: []string{"account:1"}}, e.srv.RevokeTokens, nil, []string{"401", fake.MsgInvalidToken}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			_, err := fetchRoles(t, e.conn, tc.sel)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			for _, w := range append(tc.want, `"lms-east"`) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), e.set.AccessToken.Value()) {
				t.Error("the error shows the token")
			}
		})
	}
	if n := e.rec.TotalRetries(); n != 0 {
		t.Errorf("%d retries of permanent errors", n)
	}
}

func TestValidateSelection(t *testing.T) {
	r := connectortest.GenerateRoster(4, 40, 2)
	e := newEnv(t, district(r), "lms", nil, nil, nil)
	cases := []struct {
		units []string
		is    error
	}{
		{[]string{"course:" + r.Units[0].ID, "account:2", "term:1", "account:self"}, nil},
		{[]string{"course:999"}, ErrUnknownUnit},
		{[]string{"account:77"}, ErrUnknownUnit},
		{[]string{"term:5"}, ErrUnknownUnit},
		{[]string{"course:abc"}, ErrBadUnit},
	}
	for _, tc := range cases {
		err := e.conn.ValidateSelection(context.Background(), connectors.Selection{Units: tc.units})
		if (tc.is == nil) != (err == nil) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("ValidateSelection(%v) = %v, want %v", tc.units, err, tc.is)
		}
	}
}

// A next link to another host is refused before the token goes there.
func TestNextLinkElsewhere(t *testing.T) {
	var elsewhere int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
	defer other.Close()
	canvas := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/courses/1" {
			_, _ = w.Write([]byte(`{"id":1,"workflow_state":"available"}`))
			return
		}
		w.Header().Set("Link", "<"+other.URL+"/api/v1/courses/1/users?page=2>; rel=\"next\"")
		_, _ = w.Write([]byte(`[{"id":1,"name":"A","email":"a@x.org","enrollments":[{"type":"StudentEnrollment","enrollment_state":"active"}]}]`))
	}))
	defer canvas.Close()
	c, err := New(Settings{BaseURL: canvas.URL, AccessToken: "secret-token"}, connectors.OpenOptions{Name: "lms"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Fetch(context.Background(), connectors.Selection{Units: []string{"course:1"}}, func([]connectors.Person) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "refusing to send the token") {
		t.Fatalf("Fetch = %v, want a refusal of the foreign next link", err)
	}
	if elsewhere != 0 {
		t.Error("the other host was called")
	}
}
