package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Objects of the matrix: license A, license B, and an id nobody has.
const (
	oA     = "A"
	oB     = "B"
	oGuess = "guessed"
)

var objects = []string{oA, oB, oGuess}

// obj is what an object stands for in each kind of path parameter.
type obj struct {
	id, member, domain, deployment, plan string
}

var objectIDs = map[string]obj{
	oA:     {"lic-a", "kid@north.org", "north.org", "dep-a", "plan-a"},
	oB:     {"lic-b", "kid@south.org", "south.org", "dep-b", "plan-b"},
	oGuess: {"lic-zz9", "kid@north.org", "nowhere.org", "dep-zz9", "plan-zz9"},
}

// want is an expected outcome: "ok" (2xx or 3xx) or a status code.
type want string

const ok want = "ok"

// expect says what role may do to an object through one route.
type expect func(role, object string) want

// readLicense: operators everywhere, license admins their own, domain
// admins the licenses of their domains; everything else is not found.
func readLicense(role, object string) want {
	switch role {
	case rAnon:
		return "401"
	case rApp:
		return "403"
	case rOperator:
		if object == oGuess {
			return "404"
		}
		return ok
	case rAdminA, rDomainA:
		if object == oA {
			return ok
		}
	case rAdminB:
		if object == oB {
			return ok
		}
	}
	return "404"
}

// manageLicense is readLicense, but a domain admin may only look.
func manageLicense(role, object string) want {
	if role == rDomainA && object == oA {
		return "403"
	}
	return readLicense(role, object)
}

// operatorOnly: 401 anonymous, 403 anyone else, else what the operator
// gets for the object.
func operatorOnly(forOperator expect) expect {
	return func(role, object string) want {
		switch role {
		case rAnon:
			return "401"
		case rOperator:
			return forOperator(role, object)
		}
		return "403"
	}
}

func always(w want) expect { return func(string, string) want { return w } }

func signedIn(role, _ string) want {
	if role == rAnon {
		return "401"
	}
	return ok
}

func people(role, _ string) want { // signed-in people, not applications
	switch role {
	case rAnon:
		return "401"
	case rApp:
		return "403"
	}
	return ok
}

func lookUp(role, _ string) want {
	switch role {
	case rAnon:
		return "401"
	case rOperator, rApp:
		return ok
	}
	return "403"
}

func operatorOr404(_, object string) want {
	if object == oGuess {
		return "404"
	}
	return ok
}

// matrixCase is one route's request and its expectations.
type matrixCase struct {
	path    func(o obj) string
	ctype   string
	body    func(f *fixture, o obj) string
	expect  expect
	secrets bool // the answer shows a secret once, by design
	perObj  bool // the route names an object
}

func p(format string, fields ...func(o obj) string) func(o obj) string {
	return func(o obj) string {
		args := make([]any, len(fields))
		for i, f := range fields {
			args[i] = f(o)
		}
		return fmt.Sprintf(format, args...)
	}
}

var (
	fID   = func(o obj) string { return o.id }
	fMem  = func(o obj) string { return o.member }
	fDom  = func(o obj) string { return o.domain }
	fDep  = func(o obj) string { return o.deployment }
	fPlan = func(o obj) string { return o.plan }
)

func static(s string) func(*fixture, obj) string { return func(*fixture, obj) string { return s } }

// newMember is an address each license's admins may add: in the
// license's own domain.
func newMember(o obj) string {
	d := o.domain
	if d == "nowhere.org" {
		d = "north.org"
	}
	return "new@" + d
}

// matrix has one entry per route; TestRouteRoleMatrix fails on a route
// without one.
var matrix = map[string]matrixCase{
	"GET /openapi.json":           {path: p("/openapi.json"), expect: always(ok)},
	"GET /me":                     {path: p("/me"), expect: signedIn},
	"POST /session":               {path: p("/session"), body: func(f *fixture, _ obj) string { return `{"token":"` + f.tokens[rAdminA] + `"}` }, expect: always(ok)},
	"DELETE /session":             {path: p("/session"), expect: always(ok)},
	"GET /oidc/login":             {path: p("/oidc/login"), expect: always("404")}, // not configured here
	"GET /oidc/callback":          {path: p("/oidc/callback"), expect: always("404")},
	"GET /licenses":               {path: p("/licenses"), expect: people},
	"POST /licenses":              {path: p("/licenses"), body: static(`{"name":"New","type":"school","seats":5}`), expect: operatorOnly(always(ok)), secrets: true},
	"GET /licenses/{id}":          {path: p("/licenses/%s", fID), expect: readLicense, perObj: true},
	"PATCH /licenses/{id}":        {path: p("/licenses/%s", fID), body: static(`{"name":"Renamed","seats":90}`), expect: manageLicense, perObj: true},
	"DELETE /licenses/{id}":       {path: p("/licenses/%s", fID), expect: operatorOnly(operatorOr404), perObj: true},
	"POST /licenses/{id}/key":     {path: p("/licenses/%s/key", fID), expect: manageLicense, perObj: true, secrets: true},
	"GET /licenses/{id}/features": {path: p("/licenses/%s/features", fID), expect: readLicense, perObj: true},
	"PUT /licenses/{id}/features": {path: p("/licenses/%s/features", fID), body: static(`{"features":{"export":false}}`), expect: manageLicense, perObj: true},
	"GET /domains":                {path: p("/domains"), expect: people},
	"GET /domains/{domain}/admins": {path: p("/domains/%s/admins", fDom), perObj: true, expect: func(role, object string) want {
		if role == rDomainA && object == oA {
			return ok
		}
		return operatorOnly(always(ok))(role, object)
	}},
	"GET /domains/{domain}/admins/{email}": {path: func(o obj) string { return "/domains/" + o.domain + "/admins/dom-admin@north.org" }, perObj: true,
		expect: operatorOnly(func(_, object string) want {
			if object == oA {
				return ok
			}
			return "404"
		})},
	"PUT /domains/{domain}/admins/{email}":    {path: p("/domains/%s/admins/helper@%s", fDom, fDom), perObj: true, expect: operatorOnly(always(ok))},
	"DELETE /domains/{domain}/admins/{email}": {path: p("/domains/%s/admins/helper@%s", fDom, fDom), perObj: true, expect: operatorOnly(always(ok))},
	"GET /licenses/{id}/members":              {path: p("/licenses/%s/members?q=kid", fID), expect: readLicense, perObj: true},
	"POST /licenses/{id}/members": {path: p("/licenses/%s/members", fID), body: func(_ *fixture, o obj) string { return `{"emails":["` + newMember(o) + `"]}` },
		expect: readLicense, perObj: true},
	"GET /licenses/{id}/members/{email}":         {path: p("/licenses/%s/members/%s", fID, fMem), expect: readLicense, perObj: true},
	"DELETE /licenses/{id}/members/{email}":      {path: p("/licenses/%s/members/%s", fID, fMem), expect: readLicense, perObj: true},
	"GET /licenses/{id}/members/{email}/history": {path: p("/licenses/%s/members/%s/history", fID, fMem), expect: readLicense, perObj: true},
	"POST /licenses/{id}/members/import": {path: p("/licenses/%s/members/import?mode=add", fID), ctype: "text/csv",
		body: func(_ *fixture, o obj) string { return "email,name\n" + newMember(o) + ",New Kid\n" }, expect: readLicense, perObj: true},
	"GET /licenses/{id}/members/export": {path: p("/licenses/%s/members/export", fID), expect: readLicense, perObj: true},
	"GET /csv/sample":                   {path: p("/csv/sample"), expect: signedIn},
	"GET /entitlements/{email}":         {path: p("/entitlements/%s", fMem), expect: lookUp},
	"POST /redeem": {path: p("/redeem"), body: func(f *fixture, _ obj) string {
		return `{"key":"` + f.keys["lic-b"] + `","email":"redeemer@south.org"}`
	}, expect: lookUp},
	"GET /licenses/{id}/usage":       {path: p("/licenses/%s/usage?series=seats", fID), expect: readLicense, perObj: true},
	"GET /licenses/{id}/deployments": {path: p("/licenses/%s/deployments", fID), expect: manageLicense, perObj: true},
	"POST /licenses/{id}/deployments/ou": {path: p("/licenses/%s/deployments/ou", fID), body: static(`{"connector":"gd","org_units":{"/Students":"student"}}`),
		expect: manageLicense, perObj: true},
	"DELETE /deployments/{name}":       {path: p("/deployments/%s", fDep), expect: manageLicense, perObj: true},
	"GET /deployments/{name}/runs":     {path: p("/deployments/%s/runs", fDep), expect: manageLicense, perObj: true},
	"POST /deployments/{name}/run":     {path: p("/deployments/%s/run", fDep), expect: manageLicense, perObj: true},
	"POST /deployments/{name}/dry-run": {path: p("/deployments/%s/dry-run", fDep), expect: manageLicense, perObj: true},

	"GET /deployments/{name}/runs/{id}": {path: p("/deployments/%s/runs/3", fDep), expect: manageLicense, perObj: true},
	"GET /events":                       {path: p("/events?license=%s&wait=0s", fID), expect: manageLicense, perObj: true},
	"GET /licenses/{id}/webhooks":       {path: p("/licenses/%s/webhooks", fID), expect: manageLicense, perObj: true},
	"GET /connectors/{connector}/org-units": {path: p("/connectors/gd/org-units"), expect: func(role, _ string) want {
		switch role {
		case rOperator, rAdminA, rAdminB:
			return ok
		case rAnon:
			return "401"
		}
		return "403"
	}},
	"GET /plans":               {path: p("/plans"), expect: people},
	"GET /plans/{id}":          {path: p("/plans/%s", fPlan), expect: manageLicense, perObj: true},
	"POST /plans/{id}/approve": {path: p("/plans/%s/approve", fPlan), expect: manageLicense, perObj: true},
	"POST /plans/{id}/reject":  {path: p("/plans/%s/reject", fPlan), expect: manageLicense, perObj: true},
	"GET /tokens":              {path: p("/tokens"), expect: operatorOnly(always(ok))},
	"POST /tokens":             {path: p("/tokens"), body: static(`{"email":"new@district.org","role":"admin","ttl":"30d"}`), expect: operatorOnly(always(ok)), secrets: true},
	"DELETE /tokens/{id}":      {path: p("/tokens/nosuchtoken"), expect: operatorOnly(always("404"))},
}

// badInput are requests naming things that do not exist or cannot be,
// once answered 500 (issue 19). Each runs as every role; byRole gives the
// answer for roles that get past the license check, and none may be 5xx.
var badInput = []struct {
	name, method, path, body string
	expect                   expect
}{
	{"unknown plan", "GET", "/plans/no-such-plan", "", manageLicenseAs404},
	{"approve unknown plan", "POST", "/plans/no-such-plan/approve", "", manageLicenseAs404},
	{"reject unknown plan", "POST", "/plans/no-such-plan/reject", "", manageLicenseAs404},
	{"deploy with unknown connector", "POST", "/licenses/lic-a/deployments/ou", `{"connector":"nope","org_units":{"/Students":"student"}}`, onLicenseA("404")},
	{"deploy with a non-directory", "POST", "/licenses/lic-a/deployments/ou", `{"connector":"canvas","org_units":{"/Students":"student"}}`, onLicenseA("400")},
	{"deploy to ../../etc", "POST", "/licenses/lic-a/deployments/ou", `{"connector":"gd","org_units":{"../../etc":"student"}}`, onLicenseA("400")},
	{"deploy to /a/../b", "POST", "/licenses/lic-a/deployments/ou", `{"connector":"gd","org_units":{"/Students/../Secret":"student"}}`, onLicenseA("400")},
	{"deploy to a unit the caller may not read", "POST", "/licenses/lic-a/deployments/ou", `{"connector":"gd","org_units":{"/Secret":"student"}}`,
		func(role, object string) want {
			if role == rOperator {
				return ok
			}
			return onLicenseA("403")(role, object)
		}},
	{"org units of an unknown connector", "GET", "/connectors/nope/org-units", "", orgUnitsOf("404")},
	{"org units of a non-directory", "GET", "/connectors/canvas/org-units", "", orgUnitsOf("404")},
}

// manageLicenseAs404: an unknown plan is not found for everyone who may
// manage some license, and refused as before for the rest.
func manageLicenseAs404(role, _ string) want {
	switch role {
	case rAnon:
		return "401"
	case rApp:
		return "403"
	}
	return "404"
}

// onLicenseA is manageLicense on license A, with w for those who get past it.
func onLicenseA(w want) expect {
	return func(role, _ string) want {
		if got := manageLicense(role, oA); got != ok {
			return got
		}
		return w
	}
}

// orgUnitsOf is the org-units route's access with w for those let in.
func orgUnitsOf(w want) expect {
	return func(role, object string) want {
		if got := matrix["GET /connectors/{connector}/org-units"].expect(role, object); got != ok {
			return got
		}
		return w
	}
}

// TestBadInputMatrix: requests naming unknown or impossible things get the
// 4xx they deserve, for every role, and never a 500.
func TestBadInputMatrix(t *testing.T) {
	for _, tc := range badInput {
		for _, role := range roles {
			t.Run(tc.name+"/"+role, func(t *testing.T) {
				f := newFixture(t)
				ctype := ""
				if tc.body != "" {
					ctype = "application/json"
				}
				r := f.do(role, tc.method, tc.path, ctype, tc.body)
				if r.status >= 500 {
					t.Fatalf("%s %s as %s: %d\n%s", tc.method, tc.path, role, r.status, r.body)
				}
				if got, w := outcome(r.status), tc.expect(role, oA); got != w {
					t.Fatalf("%s %s as %s: %d, want %s\n%s", tc.method, tc.path, role, r.status, w, r.body)
				}
				if r.status >= 400 && !strings.Contains(r.body, `"code"`) {
					t.Errorf("denial without an error code: %s", r.body)
				}
			})
		}
	}
}

// TestOrgUnitsAsTheDirectorySays: a license admin lists only the org units
// the directory lets them read; the operator the whole tree.
func TestOrgUnitsAsTheDirectorySays(t *testing.T) {
	f := newFixture(t)
	for role, want := range map[string]string{rOperator: `"/Secret"`, rAdminA: `"/Students"`} {
		r := f.do(role, "GET", "/connectors/gd/org-units", "", "")
		if r.status != 200 || !strings.Contains(r.body, want) {
			t.Errorf("%s: %d %s, want %s", role, r.status, r.body, want)
		}
		if role != rOperator && strings.Contains(r.body, "/Secret") {
			t.Errorf("%s sees an org unit the directory does not let them read: %s", role, r.body)
		}
	}
}

func outcome(status int) want {
	if status >= 200 && status < 400 {
		return ok
	}
	return want(fmt.Sprint(status))
}

// TestRouteRoleMatrix walks every route × role × object and checks who
// gets through, that denials are JSON errors, and that no answer but the
// one-time create/rotate ones shows a credential.
func TestRouteRoleMatrix(t *testing.T) {
	shared := newFixture(t) // for reads; writes get a fresh fixture each
	var all []*fixture
	all = append(all, shared)
	for _, rt := range (&server{}).routes() {
		key := rt.method + " " + rt.path
		mc, found := matrix[key]
		if !found {
			t.Errorf("route %s has no row in the matrix", key)
			continue
		}
		objs := []string{oA}
		if mc.perObj {
			objs = objects
		}
		for _, role := range roles {
			for _, object := range objs {
				t.Run(fmt.Sprintf("%s/%s/%s", key, role, object), func(t *testing.T) {
					f := shared
					if rt.method != "GET" {
						f = newFixture(t)
						all = append(all, f)
					}
					f.t = t
					o := objectIDs[object]
					body := ""
					if mc.body != nil {
						body = mc.body(f, o)
					}
					ctype := mc.ctype
					if ctype == "" && body != "" {
						ctype = "application/json"
					}
					resp := f.do(role, rt.method, mc.path(o), ctype, body)
					w := mc.expect(role, object)
					if got := outcome(resp.status); got != w {
						t.Fatalf("%s %s as %s: %d, want %s\n%s", rt.method, mc.path(o), role, resp.status, w, resp.body)
					}
					if w != ok && !strings.Contains(resp.header.Get("Content-Type"), "application/json") {
						t.Errorf("denial is %s, not JSON", resp.header.Get("Content-Type"))
					}
					if w != ok && !strings.Contains(resp.body, `"code"`) {
						t.Errorf("denial without an error code: %s", resp.body)
					}
					if !(mc.secrets && w == ok) {
						for _, s := range f.secrets() {
							if strings.Contains(resp.body, s) {
								t.Errorf("answer shows a credential: %s", resp.body)
							}
						}
					}
				})
			}
		}
	}
	for _, f := range all {
		logs := f.logs.String()
		for _, s := range f.secrets() {
			if strings.Contains(logs, s) {
				t.Fatalf("a credential reached the logs")
			}
		}
	}
}

// TestOneTimeSecretsStayOutOfLogs creates a license, rotates its key and
// creates a token, then looks for the plaintexts in the server's logs and
// in every later answer.
func TestOneTimeSecretsStayOutOfLogs(t *testing.T) {
	f := newFixture(t)
	var created []string
	grab := func(r response, field string) {
		t.Helper()
		if r.status >= 300 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		v := decodeField(t, r.body, field)
		if len(v) < 20 {
			t.Fatalf("no %s in %s", field, r.body)
		}
		created = append(created, v)
	}
	grab(f.json(rOperator, "POST", "/licenses", `{"id":"lic-new","name":"New","type":"school","seats":5,"admins":["a-admin@north.org"]}`), "key")
	grab(f.json(rAdminA, "POST", "/licenses/lic-new/key", ""), "key")
	grab(f.json(rOperator, "POST", "/tokens", `{"email":"x@district.org","role":"application","ttl":"1d"}`), "token")
	later := []response{
		f.json(rOperator, "GET", "/licenses", ""),
		f.json(rAdminA, "GET", "/licenses/lic-new", ""),
		f.json(rOperator, "GET", "/tokens", ""),
		f.json(rOperator, "GET", "/me", ""),
	}
	for _, r := range later {
		for _, s := range append(created, f.secrets()...) {
			if strings.Contains(r.body, s) {
				t.Errorf("answer shows a credential: %s", r.body)
			}
		}
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "license key rotated") {
		t.Fatalf("expected the rotation to be logged; logs:\n%s", logs)
	}
	for _, s := range append(created, f.secrets()...) {
		if strings.Contains(logs, s) {
			t.Errorf("a credential reached the logs")
		}
	}
	// The new token and the rotated key work; the first key does not.
	if r := f.do("", "GET", "/entitlements/a@b.org", "", "", "Authorization", "Bearer "+created[2]); r.status != http.StatusOK {
		t.Errorf("new token: %d %s", r.status, r.body)
	}
	f.tokens["new"] = created[2]
	if r := f.json("new", "POST", "/redeem", `{"key":"`+created[0]+`","email":"kid9@north.org"}`); r.status != 404 {
		t.Errorf("old key redeemed: %d %s", r.status, r.body)
	}
	if r := f.json("new", "POST", "/redeem", `{"key":"`+created[1]+`","email":"kid9@north.org"}`); r.status != 200 {
		t.Errorf("new key: %d %s", r.status, r.body)
	}
}
