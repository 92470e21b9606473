package httpapi

import (
	"context"
	"testing"
)

// FuzzBodies posts arbitrary bodies to the routes that read JSON or CSV:
// the server never answers 500, and a refused body changes nothing.
func FuzzBodies(f *testing.F) {
	seeds := []struct {
		route uint8
		body  string
	}{
		{0, `{"emails":["a@north.org"],"role":"teacher"}`},
		{0, `{"emails":["a@north.org","bad"]}`},
		{1, "email,name,role\nx@north.org,X,student\n"},
		{1, "\xef\xbb\xbfemail\n\"unterminated\n"},
		{2, `{"name":"N","seats":5}`},
		{2, `{"seats":-1,"admins":["x"]}`},
		{3, `{"features":{"a.b":true}}`},
		{4, `{"key":"RC-AAAA","email":"e@north.org"}`},
	}
	for _, s := range seeds {
		f.Add(s.route, s.body)
	}
	fx := newFixture(f)
	routes := []struct{ method, path, ctype string }{
		{"POST", "/licenses/lic-a/members", "application/json"},
		{"POST", "/licenses/lic-a/members/import?validate_only=false", "text/csv"},
		{"PATCH", "/licenses/lic-a", "application/json"},
		{"PUT", "/licenses/lic-a/features", "application/json"},
		{"POST", "/redeem", "application/json"},
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		fx.t = t
		rt := routes[int(route)%len(routes)]
		before, err := fx.store.GetLicense(context.Background(), "lic-a")
		if err != nil {
			t.Fatal(err)
		}
		r := fx.do(rOperator, rt.method, rt.path, rt.ctype, body)
		if r.status >= 500 {
			t.Fatalf("%s %s: %d %s", rt.method, rt.path, r.status, r.body)
		}
		if r.status >= 400 {
			after, _ := fx.store.GetLicense(context.Background(), "lic-a")
			if after.Used != before.Used || after.Seats != before.Seats || after.Name != before.Name {
				t.Fatalf("refused body changed the license: %+v → %+v", before, after)
			}
		}
	})
}
