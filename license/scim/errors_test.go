package scim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// Bad requests get RFC 7644 §3.12 errors and change nothing.
func TestBadRequestsChangeNothing(t *testing.T) {
	e := newEnv(t, Connection{})
	u := e.must(201, "POST", "/Users", map[string]any{"userName": "bo@district.example.org", "active": true})
	id := u["id"].(string)
	g := e.must(201, "POST", "/Groups", map[string]any{"displayName": "G"})
	gid := g["id"].(string)
	patch := func(ops ...any) map[string]any {
		return map[string]any{"schemas": []string{SchemaPatch}, "Operations": ops}
	}
	op := func(o, path string, v any) map[string]any {
		m := map[string]any{"op": o, "value": v}
		if path != "" {
			m["path"] = path
		}
		return m
	}
	cases := []struct {
		name, method, path string
		body               any
		hdr                []string
		status             int
		scimType           string
	}{
		{"bad filter", "GET", "/Users?filter=userName+eq", nil, nil, 400, "invalidFilter"},
		{"unknown filter attribute", "GET", `/Users?filter=shoeSize+eq+%2242%22`, nil, nil, 400, "invalidFilter"},
		{"bad count", "GET", "/Users?count=many", nil, nil, 400, "invalidValue"},
		{"not JSON", "POST", "/Users", "{", nil, 400, "invalidSyntax"},
		{"no userName", "POST", "/Users", map[string]any{"active": true}, nil, 400, "invalidValue"},
		{"active not a boolean", "POST", "/Users", map[string]any{"userName": "x@y.org", "active": "maybe"}, nil, 400, "invalidValue"},
		{"emails not objects", "POST", "/Users", map[string]any{"userName": "x@y.org", "emails": []any{"x@y.org"}}, nil, 400, "invalidValue"},
		{"unknown op", "PATCH", "/Users/" + id, patch(op("merge", "displayName", "x")), nil, 400, "invalidSyntax"},
		{"no operations", "PATCH", "/Users/" + id, map[string]any{"schemas": []string{SchemaPatch}}, nil, 400, "invalidSyntax"},
		{"unknown path", "PATCH", "/Users/" + id, patch(op("replace", "shoeSize", "42")), nil, 400, "invalidPath"},
		{"bad path syntax", "PATCH", "/Users/" + id, patch(op("replace", "emails[type eq", "x")), nil, 400, "invalidPath"},
		{"read-only id", "PATCH", "/Users/" + id, patch(op("replace", "id", "other")), nil, 400, "mutability"},
		{"remove without path", "PATCH", "/Users/" + id, patch(map[string]any{"op": "remove"}), nil, 400, "noTarget"},
		{"second op bad, first not applied", "PATCH", "/Users/" + id, patch(op("replace", "displayName", "Changed"), op("replace", "active", "perhaps")), nil, 400, "invalidValue"},
		{"group with unknown member", "PATCH", "/Groups/" + gid, patch(op("add", "members", []any{map[string]any{"value": "nobody"}})), nil, 400, "invalidValue"},
		{"stale If-Match", "PATCH", "/Users/" + id, patch(op("replace", "displayName", "x")), []string{"If-Match", `W/"999"`}, 412, ""},
		{"stale If-Match on delete", "DELETE", "/Users/" + id, nil, []string{"If-Match", `W/"999"`}, 412, ""},
		{"unknown user", "PATCH", "/Users/nope", patch(op("replace", "displayName", "x")), nil, 404, ""},
		{"wrong content type", "POST", "/Users", map[string]any{"userName": "z@y.org"}, []string{"Content-Type", "text/plain"}, 415, ""},
		{"unknown endpoint", "GET", "/Bulk", nil, nil, 404, ""},
	}
	before := e.must(200, "GET", "/Users/"+id, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := e.do(tc.method, tc.path, tc.body, tc.hdr...)
			if code != tc.status {
				t.Fatalf("status %d %v, want %d", code, out, tc.status)
			}
			if out["schemas"] == nil || fmt.Sprint(out["schemas"]) != "["+SchemaError+"]" || out["status"] != fmt.Sprint(tc.status) {
				t.Errorf("error body %v is not a SCIM error", out)
			}
			if tc.scimType != "" && out["scimType"] != tc.scimType {
				t.Errorf("scimType %v, want %s (%v)", out["scimType"], tc.scimType, out["detail"])
			}
			if d, _ := out["detail"].(string); d == "" {
				t.Error("no detail")
			}
		})
	}
	after := e.must(200, "GET", "/Users/"+id, nil)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("a refused request changed the user:\n%v\n%v", before, after)
	}
	list := e.must(200, "GET", "/Users", nil)
	if list["totalResults"].(float64) != 1 {
		t.Errorf("a refused request created a user: %v", list)
	}
	e.expect(map[string]license.Role{"bo@district.example.org": license.RoleStudent})
}

func TestAuth(t *testing.T) {
	e := newEnv(t, Connection{Name: "entra"})
	e.must(201, "POST", "/Users", map[string]any{"userName": "a@district.example.org"})
	for _, tok := range []string{"", "rcscim_wrong"} {
		e2 := *e
		e2.token = tok
		code, out, hdr := e2.do("GET", "/Users", nil)
		if code != http.StatusUnauthorized || hdr.Get("WWW-Authenticate") == "" || out["status"] != "401" {
			t.Errorf("token %q: %d %v %v", tok, code, out, hdr)
		}
	}
	// Another connection's token sees none of this one's users.
	other, hash, _ := NewToken()
	if err := e.store.CreateConnection(t.Context(), Connection{Name: "okta", Licenses: []string{lic}, TokenHash: hash}); err != nil {
		t.Fatal(err)
	}
	e2 := *e
	e2.token = other
	if list := e2.must(200, "GET", "/Users", nil); list["totalResults"].(float64) != 0 {
		t.Errorf("okta's token lists entra's users: %v", list)
	}
	// Discovery answers without a token.
	e2.token = ""
	for _, p := range []string{"/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/Schemas", "/Schemas/" + SchemaEnterprise} {
		e2.must(200, "GET", p, nil)
	}
}

func TestETags(t *testing.T) {
	e := newEnv(t, Connection{})
	u := e.must(201, "POST", "/Users", map[string]any{"userName": "a@district.example.org"})
	id := u["id"].(string)
	_, got, hdr := e.do("GET", "/Users/"+id, nil)
	tag := hdr.Get("ETag")
	if tag == "" || got["meta"].(map[string]any)["version"] != tag {
		t.Fatalf("ETag %q, meta.version %v", tag, got["meta"])
	}
	e.must(200, "PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "A"}}}, "If-Match", tag)
	e.must(412, "PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "B"}}}, "If-Match", tag)
}

// Many deactivations in a row: past the deletion limit, removals are held
// (the identity provider's view is still recorded) until approved.
func TestDeletionGuard(t *testing.T) {
	e := newEnv(t, Connection{DeletionMin: 2, DeletionPercent: 1})
	var ids []string
	for i := range 5 {
		u := e.must(201, "POST", "/Users", map[string]any{"userName": fmt.Sprintf("u%d@district.example.org", i)})
		ids = append(ids, u["id"].(string))
	}
	for _, id := range ids[:4] {
		e.must(200, "PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "False"}}})
	}
	got := e.members()
	if len(got) != 3 {
		t.Fatalf("members after 4 deactivations with a limit of 2: %v, want 3 (two removed, two held)", got)
	}
	conn, _ := e.store.Connection(t.Context(), e.conn)
	if len(conn.HeldUsers) != 2 {
		t.Fatalf("held users %v, want 2", conn.HeldUsers)
	}
	if u := e.must(200, "GET", "/Users/"+ids[3], nil); u["active"] != false {
		t.Errorf("held user's resource not recorded as inactive: %v", u["active"])
	}
	res, err := e.srv.Reconcile(t.Context(), e.conn, nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied.ClaimsRemoved != 2 {
		t.Errorf("approval removed %d claims, want 2", res.Applied.ClaimsRemoved)
	}
	e.expect(map[string]license.Role{"u4@district.example.org": license.RoleStudent})
	if conn, _ := e.store.Connection(t.Context(), e.conn); len(conn.HeldUsers) != 0 {
		t.Errorf("held users after approval: %v", conn.HeldUsers)
	}
}

func TestSeatsHold(t *testing.T) {
	e := newEnv(t, Connection{})
	if _, err := e.licenses.UpdateLicense(t.Context(), lic, "test", func(l *license.License) error { l.Seats = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	e.must(201, "POST", "/Users", map[string]any{"userName": "one@district.example.org"})
	e.must(201, "POST", "/Users", map[string]any{"userName": "two@district.example.org"})
	if got := e.members(); len(got) != 1 {
		t.Errorf("a 1-seat license holds %v", got)
	}
}

func TestFilters(t *testing.T) {
	e := newEnv(t, Connection{})
	e.must(201, "POST", "/Users", map[string]any{"userName": "ann@district.example.org", "externalId": "X1", "displayName": "Ann Lee",
		"emails": []any{map[string]any{"type": "work", "value": "ann@district.example.org"}}})
	e.must(201, "POST", "/Users", map[string]any{"userName": "bob@district.example.org", "externalId": "x2", "displayName": "Bob Kim", "active": false})
	cases := map[string]int{
		`userName eq "ANN@district.example.org"`:       1,
		`externalId eq "X1"`:                           1,
		`externalId eq "x1"`:                           0, // caseExact
		`displayName eq "Bob Kim"`:                     1,
		`displayName co "o"`:                           1,
		`userName sw "a" or userName sw "b"`:           2,
		`active eq false`:                              1,
		`emails[type eq "work" and value co "ann"]`:    1,
		`emails.value ew "example.org"`:                1,
		`not (userName eq "ann@district.example.org")`: 1,
		`externalId pr`:                                2,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@district.example.org"`: 1,
	}
	for f, want := range cases {
		out := e.must(200, "GET", "/Users?filter="+strings.ReplaceAll(urlQuery(f), "+", "%20"), nil)
		if got := int(out["totalResults"].(float64)); got != want {
			t.Errorf("filter %s: %d results, want %d", f, got, want)
		}
	}
	page := e.must(200, "GET", "/Users?startIndex=2&count=1", nil)
	if page["totalResults"].(float64) != 2 || page["itemsPerPage"].(float64) != 1 || page["startIndex"].(float64) != 2 {
		t.Errorf("paging: %v", page)
	}
}
