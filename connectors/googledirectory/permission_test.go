package googledirectory

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
)

func TestCanReadOrgUnits(t *testing.T) {
	d := fake.Generate(21, 400)
	elem := "/Students/" + d.Schools[0].Name
	other := "/Students/" + d.Schools[1].Name
	admin := func(role string) string {
		for _, a := range d.DelegatedAdmins {
			if a.RoleName == role && (role != "School User Reader" || a.OrgUnits[0] == elem) {
				return a.Email
			}
		}
		t.Fatalf("no delegated admin with role %s", role)
		return ""
	}
	elemAdmin := admin("School User Reader")
	var staffAdmin string
	for _, a := range d.DelegatedAdmins {
		if len(a.OrgUnits) == 1 && a.OrgUnits[0] == "/Staff" {
			staffAdmin = a.Email
		}
	}
	cases := []struct {
		name   string
		email  string
		ous    []string
		want   bool
		reason []string // substrings of the explanation
	}{
		{"super admin", d.SuperAdmin, []string{"/Students", "/Staff"}, true, []string{"super admin"}},
		{"delegated admin for that OU", elemAdmin, []string{elem}, true, []string{elem}},
		{"delegated admin, a sub-OU of theirs", elemAdmin, []string{elem + "/Grade 3"}, true, nil},
		{"delegated admin for another OU", elemAdmin, []string{elem, "/Staff"}, false,
			[]string{elemAdmin + " is a delegated admin for " + elem + " only", "/Staff is not covered"}},
		{"delegated admin, a sibling school", elemAdmin, []string{other}, false, []string{other + " is not covered"}},
		{"delegated admin, a parent of theirs", elemAdmin, []string{"/Students"}, false, []string{"/Students is not covered"}},
		{"delegated admin for /Staff, a school's staff", staffAdmin, []string{"/Staff/" + d.Schools[2].Name}, true, nil},
		{"customer-wide help desk", admin("_HELP_DESK_ADMIN_ROLE"), []string{"/Students", "/Staff"}, true, []string{"whole organization"}},
		{"admin whose role cannot read users", admin("_GROUPS_ADMIN_ROLE"), []string{"/Staff"}, false, []string{"_GROUPS_ADMIN_ROLE", "can read users"}},
		{"not an admin", d.NonAdmin, []string{"/Staff"}, false, []string{"is not a Google Workspace admin"}},
		{"not a user", "ghost@district.example.org", []string{"/Staff"}, false, []string{"not a user"}},
	}
	e := newEnv(t, d, envOptions{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, why, err := e.conn.CanReadOrgUnits(context.Background(), tc.email, tc.ous)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.want {
				t.Errorf("CanReadOrgUnits(%s, %v) = %v (%s), want %v", tc.email, tc.ous, ok, why, tc.want)
			}
			for _, r := range tc.reason {
				if !strings.Contains(why, r) {
					t.Errorf("reason %q does not contain %q", why, r)
				}
			}
		})
	}
}

func TestCanReadOrgUnitsErrors(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	if _, _, err := e.conn.CanReadOrgUnits(context.Background(), e.d.SuperAdmin, []string{"Students"}); err == nil {
		t.Error("a relative OU path was accepted")
	}
	e.srv.ServerErrors(500, 100)
	_, _, err := e.conn.CanReadOrgUnits(context.Background(), e.d.SuperAdmin, []string{"/Students"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 500 || !strings.Contains(err.Error(), "users.get") {
		t.Errorf("a failing Google gave %v, want an APIError naming users.get", err)
	}
}

func TestValidateSelection(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	school := e.d.Schools[0].Name
	cases := []struct {
		name    string
		sel     connectors.Selection
		missing []string // org units the error must name; none: valid
	}{
		{"existing units", connectors.Selection{Units: []string{"/Students", "/Staff/" + school}}, nil},
		{"root", connectors.Selection{Units: []string{"/"}}, nil},
		{"other case", connectors.Selection{Units: []string{"/students"}}, nil},
		{"one unknown", connectors.Selection{Units: []string{"/Students", "/Studnets"}}, []string{"/Studnets"}},
		{"two unknown", connectors.Selection{Units: []string{"/Teachers", "/Students/Nowhere High"}}, []string{"/Teachers", "/Students/Nowhere High"}},
		{"unknown role key", connectors.Selection{Units: []string{"/Staff"}, Roles: map[string]license.Role{"/Faculty": license.RoleTeacher}}, []string{"/Faculty"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e.conn.ValidateSelection(context.Background(), tc.sel)
			if len(tc.missing) == 0 {
				if err != nil {
					t.Fatalf("valid selection refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrUnknownOrgUnit) {
				t.Fatalf("error %v is not ErrUnknownOrgUnit", err)
			}
			for _, m := range tc.missing {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
		})
	}
}

func TestOrgUnits(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	got, err := e.conn.OrgUnits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := e.d.OrgUnits // sorted by path, root first
	if len(got) != len(want) {
		t.Fatalf("%d org units, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Path != w.Path || got[i].Name != w.Name || got[i].Parent != w.ParentPath {
			t.Errorf("org unit %d = %+v, want path %s name %s parent %s", i, got[i], w.Path, w.Name, w.ParentPath)
		}
	}
}
