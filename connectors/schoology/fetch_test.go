package schoology

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/schoology/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// members folds a Fetch as the planner does: lower-cased email → role,
// teachers over students, people without an email left out.
func members(t *testing.T, c *Connector, sel connectors.Selection) map[string]string {
	t.Helper()
	snap, err := reconcile.Collect(context.Background(), c, sel)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range snap.People {
		out[p.Email] = string(p.Role)
	}
	return out
}

func same(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d members, want %d", what, len(got), len(want))
	}
	for e, r := range want {
		if got[e] != r {
			t.Errorf("%s: %s is %q, want %q", what, e, got[e], r)
		}
	}
}

// A generated school with every trap syncs exactly its active members, the
// same whether emails come from the user list or user by user, and with
// PLAINTEXT signatures as with HMAC-SHA1.
func TestFetchDistrict(t *testing.T) {
	d := fake.Generate(5, 300, 12)
	want := d.ActiveMembers()
	var sections []string
	for _, id := range d.SectionIDs() {
		sections = append(sections, fmt.Sprint("section:", id))
	}
	cases := []struct {
		name    string
		units   []string
		adjust  func(*Settings)
		perUser bool // emails read user by user
	}{
		{"school, user list", []string{"school:344232"}, nil, false},
		{"all buildings", []string{"building:5171921", "building:5171922", "building:5171923"}, nil, false},
		{"all sections, user by user", sections, func(s *Settings) { s.UserLookupMax = 100000 }, true},
		{"all sections, user list", sections, func(s *Settings) { s.UserLookupMax = 5 }, false},
		{"plaintext, small pages", []string{"school:344232"}, func(s *Settings) { s.SignatureMethod = "PLAINTEXT"; s.PageSize = 7 }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fake.Generate(5, 300, 12), "sgy", nil, nil, tc.adjust)
			same(t, tc.name, members(t, e.conn, connectors.Selection{Units: tc.units}), want)
			calls := e.srv.Counts().UserCalls
			if tc.perUser && calls < 200 || !tc.perUser && calls > 60 {
				t.Errorf("%d user calls; per-user lookups %v", calls, tc.perUser)
			}
		})
	}
}

// Options widen or narrow the roster as documented.
func TestFetchOptions(t *testing.T) {
	count := func(c *Connector, sel connectors.Selection) int {
		n := 0
		if err := c.Fetch(context.Background(), sel, func(p []connectors.Person) error { n += len(p); return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	base := count(newEnv(t, fake.Generate(7, 200, 9), "sgy", nil, nil, nil).conn, connectors.Selection{Units: []string{"school:344232"}})
	cases := []struct {
		name string
		sel  connectors.Selection
		cmp  func(n int) bool
	}{
		{"archived and expired too", connectors.Selection{Options: map[string]string{"enrollment_status": "1,2,5"}}, func(n int) bool { return n > base }},
		{"past sections too", connectors.Selection{Options: map[string]string{"include_past": "true"}}, func(n int) bool { return n > base }},
		{"guests kept", connectors.Selection{Options: map[string]string{"exclude_roles": "none"}}, func(n int) bool { return n > base }},
		{"guests mapped", connectors.Selection{Roles: map[string]licenseRole{"Guest": "other"}}, func(n int) bool { return n > base }},
		{"members out", connectors.Selection{Roles: map[string]licenseRole{"member": "other", "Student": "other"}}, func(n int) bool { return n == base }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fake.Generate(7, 200, 9), "sgy", nil, nil, nil)
			tc.sel.Units = []string{"school:344232"}
			if n := count(e.conn, tc.sel); !tc.cmp(n) {
				t.Errorf("%d enrollments against %d by default", n, base)
			}
			got := members(t, e.conn, tc.sel)
			if tc.name == "members out" {
				for email, r := range got {
					if r == "student" {
						t.Fatalf("%s is still a student", email)
					}
				}
			}
		})
	}
}

type licenseRole = license.Role

// Bad selections name what is wrong, before any call.
func TestBadSelection(t *testing.T) {
	e := newEnv(t, fake.Generate(1, 20, 3), "sgy", nil, nil, nil)
	cases := []struct {
		sel  connectors.Selection
		want string
	}{
		{connectors.Selection{}, "names no unit"},
		{connectors.Selection{Units: []string{"class:1"}}, `unit "class:1"`},
		{connectors.Selection{Units: []string{"section:abc"}}, `unit "section:abc"`},
		{connectors.Selection{Units: []string{"section:1"}, Options: map[string]string{"enrollment_status": "7"}}, "enrollment_status"},
		{connectors.Selection{Units: []string{"section:1"}, Options: map[string]string{"include_past": "yes"}}, "include_past"},
		{connectors.Selection{Units: []string{"section:1"}, Roles: map[string]licenseRole{"admin": "boss"}}, `roles["admin"]`},
	}
	for _, tc := range cases {
		err := e.conn.Fetch(context.Background(), tc.sel, func([]connectors.Person) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"sgy"`) {
			t.Errorf("%+v: %v, want an error naming %s", tc.sel, err, tc.want)
		}
	}
	if n := e.srv.Counts().API; n != 0 {
		t.Errorf("%d calls for bad selections", n)
	}
	err := e.conn.ValidateSelection(context.Background(), connectors.Selection{Units: []string{"section:1", "course:2", "school:3", "building:4"}})
	if !errors.Is(err, ErrUnknownUnit) || !strings.Contains(err.Error(), "section:1") || !strings.Contains(err.Error(), "course:2") ||
		!strings.Contains(err.Error(), "school:3") || !strings.Contains(err.Error(), "building:4") {
		t.Errorf("ValidateSelection of unknown units: %v", err)
	}
	d := e.srv.Snapshot()
	ok := connectors.Selection{Units: []string{fmt.Sprint("section:", d.Sections[0].ID), fmt.Sprint("course:", d.Courses[0].ID), "school:344232", "building:5171921"}}
	if err := e.conn.ValidateSelection(context.Background(), ok); err != nil {
		t.Errorf("ValidateSelection of real units: %v", err)
	}
}

// A links.next on another host is refused: a PLAINTEXT signature would
// carry the secret there.
func TestNextLinkOffHost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/roles":
			fmt.Fprint(w, `{"role":[]}`)
		default:
			fmt.Fprint(w, `{"enrollment":[],"total":"9","links":{"next":"https://elsewhere.example.net/v1/sections/1/enrollments?start=1"}}`)
		}
	}))
	defer srv.Close()
	c, err := New(Settings{BaseURL: srv.URL, ConsumerKey: "k", ConsumerSecret: config.Secret("s")}, connectors.OpenOptions{Name: "sgy"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Fetch(context.Background(), connectors.Selection{Units: []string{"section:1"}}, func([]connectors.Person) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not on base_url") {
		t.Fatalf("off-host next link: %v", err)
	}
}

// Numbers arrive as strings or numbers; anything else is an error.
func FuzzNum(f *testing.F) {
	for _, s := range []string{`"48289"`, `48289`, `"1"`, `0`, `null`, `""`, `"x1"`, `1.5`, `"-3"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n num
		if err := n.UnmarshalJSON([]byte(s)); err == nil && n != 0 {
			var back num
			if err := back.UnmarshalJSON([]byte(n.String())); err != nil || back != n {
				t.Fatalf("%q read as %d, which does not read back", s, n)
			}
		}
	})
}

// A key that may see nobody's email fails the sync plainly instead of
// planning to skip everyone.
func TestNoEmailsVisible(t *testing.T) {
	d := fake.Generate(8, 60, 4)
	for i := range d.Users {
		d.Users[i].Email = ""
	}
	e := newEnv(t, d, "sgy", nil, nil, nil)
	err := e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"school:344232"}}, func([]connectors.Person) error { return nil })
	if !errors.Is(err, ErrNoEmails) || !errors.Is(err, connectors.ErrNoEmails) || !strings.Contains(err.Error(), `"sgy"`) ||
		!strings.Contains(err.Error(), " enrollments read") || !strings.Contains(err.Error(), "view users' email addresses") {
		t.Fatalf("no emails: %v", err)
	}
}
