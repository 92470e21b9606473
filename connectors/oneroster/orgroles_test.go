package oneroster

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// staffDistrict is smallDistrict with each user's own role at their
// orgs, and staff who hold a role at school a without teaching there.
func staffDistrict() *fake.District {
	d := smallDistrict()
	roles := map[string]string{"teacher": "teacher", "aide": "aide", "admin": "administrator", "parent": "parent", "ext": "ext:mentor"}
	for i := range d.Users {
		u := &d.Users[i]
		if r, ok := roles[u.SourcedID]; ok {
			u.Role = r
		}
		if u.SourcedID == "nomail" || u.SourcedID == "blank" {
			u.Orgs = []string{"sch-b"}
		}
		if u.SourcedID == "teacher" {
			// A weaker second role does not demote the teacher.
			u.OrgRoles = []fake.OrgRole{{Org: "sch-a", Role: "counselor"}}
		}
	}
	staff := func(id, role, org string, extra ...fake.OrgRole) fake.User {
		return fake.User{SourcedID: id, Status: "active", Modified: fake.Base, Enabled: true, Role: role, Username: id,
			Email: id + "@d.org", GivenName: "G" + id, FamilyName: "F" + id, Orgs: []string{org}, OrgRoles: extra}
	}
	d.Users = append(d.Users,
		staff("principal", "administrator", "sch-a"),
		// A counselor at school a whose primary role is at school b:
		// only 1.2 can say it (roles.csv, roleType secondary).
		staff("counselor", "teacher", "sch-b", fake.OrgRole{Org: "sch-a", Role: "counselor"}),
		// Was school a's principal until 2020.
		staff("left", "administrator", "sch-b", fake.OrgRole{Org: "sch-a", Role: "principal", EndDate: "2020-06-30"}),
		staff("guardian", "guardian", "sch-a"),
	)
	return d
}

// include_org_roles takes, besides school a's enrolled people, everyone
// holding a role there: from roles.csv in a 1.2 bundle, from users.csv's
// role and orgSourcedIds in 1.1. Without it, or without either source
// of roles, the roster is the enrollments' alone.
func TestOrgRoles(t *testing.T) {
	enrolled := []string{"active=Ann@D.org/student", "admin=adm@d.org/other", "aide=aide@d.org/teacher", "teacher=tea@d.org/teacher"}
	// Active, enabled users whose user role is student at school a but
	// whose enrollment there is over: their org role still holds.
	students := []string{"ended=end@d.org/student", "unenrolled=gone@d.org/student"}
	with := func(extra ...[]string) []string {
		out := slices.Clone(enrolled)
		for _, e := range extra {
			out = append(out, e...)
		}
		slices.Sort(out)
		return out
	}
	on := map[string]string{optOrgRoles: "true"}
	cases := []struct {
		name  string
		o     fake.BundleOptions
		opts  map[string]string
		roles map[string]license.Role
		want  []string
	}{
		{"1.1, option off", fake.BundleOptions{}, nil, nil, with()},
		{"1.1 users.csv role", fake.BundleOptions{}, on, nil, with(students, []string{"principal=principal@d.org/other"})},
		{"1.2 roles.csv, option off", fake.BundleOptions{Version: V12}, map[string]string{optOrgRoles: "false"}, nil, with()},
		{"1.2 roles.csv", fake.BundleOptions{Version: V12}, on, nil,
			with(students, []string{"principal=principal@d.org/other", "counselor=counselor@d.org/other"})},
		{"1.2 roles.csv, guardians mapped", fake.BundleOptions{Version: V12, ShuffleSeed: 7, Zip: true}, on,
			map[string]license.Role{"guardian": license.RoleOther},
			with(students, []string{"principal=principal@d.org/other", "counselor=counselor@d.org/other", "guardian=guardian@d.org/other"})},
		// 1.2 users.csv has no role column: no roles.csv, no org roles.
		{"1.2 without roles.csv", fake.BundleOptions{Version: V12, NoRoles: true}, on, nil, with()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newBundle(t, staffDistrict(), tc.o)
			sel := connectors.Selection{Units: []string{"org:sch-a"}, Options: tc.opts, Roles: tc.roles}
			if err := c.ValidateSelection(context.Background(), sel); err != nil {
				t.Fatal(err)
			}
			got, err := fetchAll(t, c, sel)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

// The option is the bundle connector's: REST refuses it, and a value
// other than true or false is refused.
func TestOrgRolesOption(t *testing.T) {
	sel := func(v string) connectors.Selection {
		return connectors.Selection{Units: []string{"org:sch-a"}, Options: map[string]string{optOrgRoles: v}}
	}
	rest := newREST(t, smallDistrict(), restOptions{version: V12}).conn
	if err := rest.Fetch(context.Background(), sel("true"), func([]connectors.Person) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), optOrgRoles) || !strings.Contains(err.Error(), "has none") {
		t.Errorf("REST with %s: %v", optOrgRoles, err)
	}
	c := newBundle(t, staffDistrict(), fake.BundleOptions{Version: V12})
	err := c.Fetch(context.Background(), sel("yes"), func([]connectors.Person) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `include_org_roles = "yes": must be true or false`) {
		t.Errorf("bad value: %v", err)
	}
	err = c.Fetch(context.Background(), connectors.Selection{Units: []string{"org:sch-a"}, Options: map[string]string{"org_roles": "true"}},
		func([]connectors.Person) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `"org_roles"`) || !strings.Contains(err.Error(), optOrgRoles) {
		t.Errorf("misspelt option: %v", err)
	}
}

// A roles.csv with bad rows rejects the bundle before anything is
// emitted, naming the file, the line and the field; a bad users.csv role
// in 1.1 likewise.
func TestBadRoles(t *testing.T) {
	// roles.csv of staffDistrict, unshuffled: line 1 is the header, rows
	// follow users in sourcedId order; columns: 1 sourcedId, 2 status,
	// 3 dateLastModified, 4 userSourcedId, 5 roleType, 6 role,
	// 7 beginDate, 8 endDate, 9 orgSourcedId, 10 userProfileSourcedId.
	v12 := fake.BundleOptions{Version: V12}
	cases := []struct {
		name string
		o    fake.BundleOptions
		edit func(string, []byte) []byte
		want []string
	}{
		{"unknown role", v12, replaceLine("roles.csv", 2, func(l string) string { return setField(l, 6, "janitor") }),
			[]string{`roles.csv:2: column 6 (role): "janitor" is not a OneRoster role`}},
		{"bad roleType", v12, replaceLine("roles.csv", 3, func(l string) string { return setField(l, 5, "main") }),
			[]string{`roles.csv:3: column 5 (roleType): "main": must be primary or secondary`}},
		{"empty role", v12, replaceLine("roles.csv", 4, func(l string) string { return setField(l, 6, "") }),
			[]string{`roles.csv:4: column 6 (role): is empty`}},
		{"dangling user", v12, replaceLine("roles.csv", 2, func(l string) string { return setField(l, 4, "nobody") }),
			[]string{`roles.csv:2: column 4 (userSourcedId): "nobody" is not a user of users.csv`}},
		{"dangling org", v12, replaceLine("roles.csv", 5, func(l string) string { return setField(l, 9, "sch-z") }),
			[]string{`roles.csv:5: column 9 (orgSourcedId): "sch-z" is not an org of orgs.csv`}},
		{"bad end date", v12, replaceLine("roles.csv", 2, func(l string) string { return setField(l, 8, "2020/06/30") }),
			[]string{`roles.csv:2: column 8 (endDate): "2020/06/30" is not a date`}},
		{"duplicate sourcedId", v12, func(name string, data []byte) []byte {
			if name != "roles.csv" {
				return data
			}
			lines := strings.Split(string(data), "\n")
			lines[2] = setField(lines[2], 1, strings.Split(lines[1], ",")[0])
			return []byte(strings.Join(lines, "\n"))
		}, []string{`roles.csv:3: column 1 (sourcedId):`, `is also on line 2`}},
		{"missing column", v12, replaceLine("roles.csv", 1, func(l string) string { return strings.Replace(l, "roleType", "ext_roleType", 1) }),
			[]string{`roles.csv:1: required column "roleType" is missing`}},
		{"roles.csv declared absent", v12, func(name string, data []byte) []byte {
			if name != "manifest.csv" {
				return data
			}
			return []byte(strings.Replace(string(data), "file.roles,bulk", "file.roles,absent", 1))
		}, []string{`roles.csv: the manifest marks it absent (file.roles)`}},
		{"roles delta", v12, func(name string, data []byte) []byte {
			if name != "manifest.csv" {
				return data
			}
			return []byte(strings.Replace(string(data), "file.roles,bulk", "file.roles,delta", 1))
		}, []string{`column 2 (value): file.roles is delta`}},
		{"1.1 users.csv role", fake.BundleOptions{}, replaceLine("users.csv", 2, func(l string) string { return setField(l, 6, "pupil") }),
			[]string{`users.csv:2: column 6 (role): "pupil" is not a OneRoster role`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.Edit = tc.edit
			c := newBundle(t, staffDistrict(), o)
			emitted := 0
			for _, opts := range []map[string]string{nil, {optOrgRoles: "true"}} {
				err := c.Fetch(context.Background(), connectors.Selection{Units: []string{"org:sch-a"}, Options: opts},
					func(p []connectors.Person) error {
						emitted += len(p)
						return nil
					})
				var be *BundleError
				if !errors.As(err, &be) {
					t.Fatalf("options %v: error %v is not a *BundleError", opts, err)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
			}
			if emitted != 0 {
				t.Errorf("%d people emitted from a rejected bundle", emitted)
			}
		})
	}
}
