package moodle

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/moodle/fake"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/license"
)

func fold(t *testing.T, c *Connector, sel connectors.Selection) map[string]string {
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

// A generated site with every trap syncs exactly its active members, at
// any page size.
func TestFetchSite(t *testing.T) {
	want := fake.Generate(5, 300, 16).ActiveMembers()
	for _, ps := range []int{500, 7} {
		e := newEnv(t, fake.Generate(5, 300, 16), "mdl", nil, nil, func(s *Settings) { s.PageSize = ps })
		got := fold(t, e.conn, connectors.Selection{Units: []string{"category:2"}})
		if len(got) != len(want) || len(want) < 100 {
			t.Errorf("page size %d: %d members, want %d", ps, len(got), len(want))
		}
		for em, r := range want {
			if got[em] != r {
				t.Errorf("page size %d: %s is %q, want %q", ps, em, got[em], r)
			}
		}
	}
}

// Options and role mapping widen or narrow the roster.
func TestFetchOptions(t *testing.T) {
	count := func(sel connectors.Selection) int {
		e := newEnv(t, fake.Generate(6, 200, 16), "mdl", nil, nil, nil)
		n := 0
		if err := e.conn.Fetch(context.Background(), sel, func(p []connectors.Person) error { n += len(p); return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	base := count(connectors.Selection{Units: []string{"category:2"}})
	cases := []struct {
		name string
		sel  connectors.Selection
		more bool
	}{
		{"hidden courses too", connectors.Selection{Options: map[string]string{"include_hidden": "true"}}, true},
		{"parents mapped", connectors.Selection{Roles: map[string]license.Role{"parent": license.RoleOther}}, true},
		{"no subcategories", connectors.Selection{Options: map[string]string{"include_subcategories": "false"}}, false},
	}
	for _, tc := range cases {
		tc.sel.Units = []string{"category:2"}
		n := count(tc.sel)
		if tc.more && n <= base || !tc.more && n >= base {
			t.Errorf("%s: %d enrolments against %d by default", tc.name, n, base)
		}
	}
}

// Moodle's HTTP 200 exception bodies are errors, never an empty roster.
func TestExceptions(t *testing.T) {
	ctx := context.Background()
	nop := func([]connectors.Person) error { return nil }
	e := newEnv(t, fake.Generate(1, 40, 4), "mdl", nil, nil, nil)
	err := e.conn.Fetch(ctx, connectors.Selection{Units: []string{"course:999999"}}, nop)
	var ex *Exception
	if !errors.As(err, &ex) || ex.ErrorCode != "invalidrecord" || !errors.Is(err, ErrUnknownUnit) || !strings.Contains(err.Error(), `"mdl"`) {
		t.Errorf("missing course: %v", err)
	}
	if err := e.conn.ValidateSelection(ctx, connectors.Selection{Units: []string{"category:77", "course:999999", "course:100"}}); err == nil ||
		!strings.Contains(err.Error(), "category:77") || !strings.Contains(err.Error(), "course:999999") || strings.Contains(err.Error(), "course:100") {
		t.Errorf("ValidateSelection: %v", err)
	}
	e.srv.RevokeToken()
	if err := e.conn.Check(ctx); !errors.Is(err, ErrInvalidToken) || strings.Contains(err.Error(), e.srv.Token()) {
		t.Errorf("revoked token: %v", err)
	}

	srv := fake.New(fake.Options{Site: fake.Generate(1, 40, 4), Functions: []string{"core_webservice_get_site_info"}})
	defer srv.Close()
	c, err := New(Settings{BaseURL: srv.URL(), Token: config.Secret(srv.Token())}, connectors.OpenOptions{Name: "mdl"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	err = c.Fetch(ctx, connectors.Selection{Units: []string{"course:100"}}, nop)
	if !errors.As(err, &ex) || ex.ErrorCode != "accessexception" || !strings.Contains(err.Error(), "external service") {
		t.Errorf("function outside the service: %v", err)
	}
}

func TestSettingsValidate(t *testing.T) {
	cases := []struct {
		s    Settings
		want string
	}{
		{Settings{BaseURL: "https://lms.example.org/moodle", Token: "t"}, ""},
		{Settings{Token: "t"}, "settings.base_url"},
		{Settings{BaseURL: "https://lms.example.org/webservice/rest/server.php", Token: "t"}, "settings.base_url"},
		{Settings{BaseURL: "https://lms.example.org"}, "settings.token"},
		{Settings{BaseURL: "https://lms.example.org", Token: "t", PageSize: -1}, "settings.page_size"},
	}
	for _, tc := range cases {
		err := tc.s.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.s, err, tc.want)
		}
	}
}

// The documented example decodes through the config package and opens.
func TestExampleDecodes(t *testing.T) {
	doc := "connectors:\n" + (&Settings{}).Example()
	cfg, err := config.Parse([]byte(doc), "rollcall.yaml", func(k string) (string, bool) { return "tok", k == "MOODLE_TOKEN" })
	if err != nil {
		t.Fatal(err)
	}
	conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := conns["moodle"].(*Connector)
	if !ok || c.s.Token.Value() != "tok" || c.s.PageSize != 500 || c.endpoint != "https://lms.district.org/webservice/rest/server.php" {
		t.Fatalf("example opened as %+v", c)
	}
}

// A token that may see nobody's email fails the sync plainly instead of
// planning to skip everyone.
func TestNoEmailsVisible(t *testing.T) {
	st := fake.Generate(8, 60, 4)
	for i := range st.Users {
		st.Users[i].EmailHidden = true
	}
	e := newEnv(t, st, "mdl", nil, nil, nil)
	err := e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"category:2"}}, func([]connectors.Person) error { return nil })
	if !errors.Is(err, ErrNoEmails) || !errors.Is(err, connectors.ErrNoEmails) || !strings.Contains(err.Error(), "viewuseridentity") ||
		!strings.Contains(err.Error(), `"mdl"`) || !strings.Contains(err.Error(), " participants read") {
		t.Fatalf("all emails hidden: %v", err)
	}
}
