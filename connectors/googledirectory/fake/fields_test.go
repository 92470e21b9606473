package fake

import (
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Partial responses hold for orgunits.list, roleAssignments.list and
// roles.get as for users: only the fields asked for, and 400 for a field
// the resource lacks.
func TestPartialResponses(t *testing.T) {
	s := New(Options{District: Generate(1, 60), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.District().SuperAdmin)
	role := strconv.FormatInt(s.District().Roles[0].ID, 10)
	base := "/admin/directory/v1/customer/my_customer/"
	cases := []struct {
		path, fields string
		code         int
		top          []string // keys of the body
		item         string   // a list key whose first element is checked
		itemKeys     []string
	}{
		{base + "orgunits?type=all", "organizationUnits(orgUnitId,orgUnitPath)", 200, []string{"organizationUnits"}, "organizationUnits", []string{"orgUnitId", "orgUnitPath"}},
		{base + "orgunits?type=all", "kind", 200, []string{"kind"}, "", nil},
		{base + "orgunits?type=all", "organizationUnits(colour)", 400, nil, "", nil},
		{base + "roleassignments?maxResults=2", "items(roleId,assignedTo),nextPageToken", 200, []string{"items", "nextPageToken"}, "items", []string{"assignedTo", "roleId"}},
		{base + "roles/" + role, "roleId,roleName,rolePrivileges(privilegeName)", 200, []string{"roleId", "roleName", "rolePrivileges"}, "rolePrivileges", []string{"privilegeName"}},
		{base + "roles/" + role, "roleId,members", 400, nil, "", nil},
		{base + "roles/" + role, "", 200, []string{"etag", "isSuperAdminRole", "isSystemRole", "kind", "roleDescription", "roleId", "roleName", "rolePrivileges"}, "", nil},
	}
	for _, tc := range cases {
		path := tc.path
		if tc.fields != "" {
			path += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + "fields=" + url.QueryEscape(tc.fields)
		}
		code, body, _ := get(t, s, tok, path)
		if code != tc.code {
			t.Errorf("%s: %d, want %d (%v)", path, code, tc.code, body)
			continue
		}
		if code != 200 {
			continue
		}
		if got := keys(body); !reflect.DeepEqual(got, tc.top) {
			t.Errorf("%s: keys %v, want %v", path, got, tc.top)
		}
		if tc.item != "" {
			list, _ := body[tc.item].([]any)
			if len(list) == 0 {
				t.Fatalf("%s: no %s", path, tc.item)
			}
			first, _ := list[0].(map[string]any)
			if got := keys(first); !reflect.DeepEqual(got, tc.itemKeys) {
				t.Errorf("%s: %s[0] keys %v, want %v", path, tc.item, got, tc.itemKeys)
			}
		}
	}
}
