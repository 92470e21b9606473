package scim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// The requests below are shaped as Entra ID's provisioning service sends
// them (Microsoft's "develop a SCIM endpoint" guide): a filter GET before
// each create, PATCH with capitalised ops, "False" as a string, path
// filters on emails, members added and removed by PATCH.
func TestEntraCycle(t *testing.T) {
	e := newEnv(t, Connection{Name: "entra", GroupRoles: map[string]license.Role{"Teachers": license.RoleTeacher}})
	const upn = "Test.User@District.Example.org"

	list := e.must(200, "GET", `/Users?filter=userName+eq+%22`+strings.ReplaceAll(upn, "@", "%40")+`%22`, nil)
	if list["totalResults"].(float64) != 0 {
		t.Fatalf("empty connection lists %v", list)
	}
	u := e.must(201, "POST", "/Users", map[string]any{
		"schemas":    []string{SchemaUser, SchemaEnterprise},
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", "userName": upn, "active": true, "displayName": "Test User",
		"emails":         []any{map[string]any{"primary": true, "type": "work", "value": upn}},
		"meta":           map[string]any{"resourceType": "User"},
		"name":           map[string]any{"formatted": "Test User", "familyName": "User", "givenName": "Test"},
		"roles":          []any{},
		SchemaEnterprise: map[string]any{"department": "Science", "employeeNumber": "S1001"},
	})
	id := u["id"].(string)
	e.expect(map[string]license.Role{"test.user@district.example.org": license.RoleStudent})
	if ev := e.events("test.user@district.example.org"); len(ev) == 0 || !strings.Contains(ev[0], "scim/entra") {
		t.Errorf("audit events %v: want the add by scim/entra", ev)
	}
	if dup, out, _ := e.do("POST", "/Users", map[string]any{"userName": strings.ToLower(upn)}); dup != 409 || out["scimType"] != "uniqueness" {
		t.Errorf("second create with the same userName = %d %v, want 409 uniqueness", dup, out)
	}

	// A new address: the old claim goes, the new one comes.
	e.must(200, "PATCH", "/Users/"+id, map[string]any{"schemas": []string{SchemaPatch}, "Operations": []any{
		map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "test.renamed@district.example.org"},
		map[string]any{"op": "Replace", "path": "name.familyName", "value": "Renamed"},
		map[string]any{"op": "Replace", "path": "displayName", "value": "Test Renamed"},
	}})
	e.expect(map[string]license.Role{"test.renamed@district.example.org": license.RoleStudent})

	// Deactivated with the string "False": the claim goes.
	e.must(200, "PATCH", "/Users/"+id, map[string]any{"schemas": []string{SchemaPatch}, "Operations": []any{
		map[string]any{"op": "Replace", "path": "active", "value": "False"}}})
	e.expect(map[string]license.Role{})
	got := e.must(200, "GET", "/Users/"+id, nil)
	if got["active"] != false {
		t.Errorf("deactivated user reads active=%v", got["active"])
	}
	// Reactivated by a no-path patch with a dotted key beside it.
	e.must(200, "PATCH", "/Users/"+id, map[string]any{"schemas": []string{SchemaPatch}, "Operations": []any{
		map[string]any{"op": "Replace", "value": map[string]any{"active": true, "name.givenName": "Tess"}}}})
	e.expect(map[string]license.Role{"test.renamed@district.example.org": license.RoleStudent})
	if got := e.must(200, "GET", "/Users/"+id, nil); got["name"].(map[string]any)["givenName"] != "Tess" {
		t.Errorf("dotted no-path patch: name = %v", got["name"])
	}

	// Group membership decides the role.
	g := e.must(201, "POST", "/Groups", map[string]any{"schemas": []string{SchemaGroup}, "displayName": "Teachers",
		"externalId": "g-1", "members": []any{}})
	gid := g["id"].(string)
	e.must(200, "PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{SchemaPatch}, "Operations": []any{
		map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"value": id}}}}})
	e.expect(map[string]license.Role{"test.renamed@district.example.org": license.RoleTeacher})
	if got := e.must(200, "GET", "/Users/"+id, nil); fmt.Sprint(got["groups"]) == "<nil>" {
		t.Errorf("user does not list its group: %v", got)
	}
	e.must(200, "PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{SchemaPatch}, "Operations": []any{
		map[string]any{"op": "Remove", "path": fmt.Sprintf("members[value eq %q]", id)}}})
	e.expect(map[string]license.Role{"test.renamed@district.example.org": license.RoleStudent})
	e.must(200, "PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{SchemaPatch}, "Operations": []any{
		map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"value": id}}}}})
	e.expect(map[string]license.Role{"test.renamed@district.example.org": license.RoleTeacher})

	// Deleted: the claim goes, and the group no longer holds the user.
	e.must(204, "DELETE", "/Users/"+id, nil)
	e.expect(map[string]license.Role{})
	e.must(404, "GET", "/Users/"+id, nil)
	if g := e.must(200, "GET", "/Groups/"+gid, nil); len(g["members"].([]any)) != 0 {
		t.Errorf("group still lists the deleted user: %v", g["members"])
	}
	ev := e.events("test.renamed@district.example.org")
	if len(ev) < 3 {
		t.Errorf("audit trail %v: want the add, the updates and the removal", ev)
	}
}

// Okta looks users up with a filter before creating, updates with PUT of
// the whole user, deactivates with active=false, and pushes groups.
func TestOktaCycle(t *testing.T) {
	e := newEnv(t, Connection{Name: "okta", GroupRoles: map[string]license.Role{"Staff": license.RoleOther}})
	e.must(200, "GET", `/Users?filter=userName%20eq%20%22ann%40district.example.org%22&startIndex=1&count=100`, nil)
	user := map[string]any{
		"schemas": []string{SchemaUser}, "userName": "ann@district.example.org",
		"name":        map[string]any{"givenName": "Ann", "familyName": "Lee"},
		"emails":      []any{map[string]any{"primary": true, "value": "ann@district.example.org", "type": "work"}},
		"displayName": "Ann Lee", "locale": "en-US", "externalId": "00u1abcd", "groups": []any{},
		"password": "Sup3rSecret!", "active": true,
	}
	u := e.must(201, "POST", "/Users", user)
	id := u["id"].(string)
	if _, ok := u["password"]; ok {
		t.Error("the password was returned")
	}
	e.expect(map[string]license.Role{"ann@district.example.org": license.RoleStudent})
	found := e.must(200, "GET", `/Users?filter=userName%20eq%20%22ANN%40district.example.org%22`, nil)
	if found["totalResults"].(float64) != 1 {
		t.Fatalf("userName filter is case-insensitive: %v", found)
	}

	user["name"] = map[string]any{"givenName": "Ann", "familyName": "Lee-Park"}
	user["displayName"] = "Ann Lee-Park"
	e.must(200, "PUT", "/Users/"+id, user)
	m, err := e.licenses.Member(t.Context(), lic, "ann@district.example.org")
	if err != nil || m.Name != "Ann Lee-Park" {
		t.Errorf("member after PUT = %+v, %v", m, err)
	}
	user["active"] = false
	e.must(200, "PUT", "/Users/"+id, user)
	e.expect(map[string]license.Role{})
	user["active"] = true
	e.must(200, "PUT", "/Users/"+id, user)
	e.expect(map[string]license.Role{"ann@district.example.org": license.RoleStudent})

	g := e.must(201, "POST", "/Groups", map[string]any{"schemas": []string{SchemaGroup}, "displayName": "Staff",
		"members": []any{map[string]any{"value": id, "display": "ann@district.example.org"}}})
	e.expect(map[string]license.Role{"ann@district.example.org": license.RoleOther})
	// Okta renames a group with a no-path replace carrying its id.
	e.must(200, "PATCH", "/Groups/"+g["id"].(string), map[string]any{"schemas": []string{SchemaPatch}, "Operations": []any{
		map[string]any{"op": "replace", "value": map[string]any{"id": g["id"], "displayName": "Staff (renamed)"}}}})
	e.expect(map[string]license.Role{"ann@district.example.org": license.RoleStudent})
	e.must(204, "DELETE", "/Groups/"+g["id"].(string), nil)
	e.expect(map[string]license.Role{"ann@district.example.org": license.RoleStudent})
}
