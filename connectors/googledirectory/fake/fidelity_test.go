package fake

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/option"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

const discoveryDoc = "admin/directory/v1/admin-api.json"

// TestFidelityTableAgreesWithDiscovery holds every row of FIDELITY.md to
// the discovery document shipped in google.golang.org/api: each endpoint
// is a method there, each parameter a parameter of that method (or a
// system parameter), each response field a property of the method's
// response schema. Error-body fields (endpoint *) are Google's common
// error format, which discovery documents do not describe.
func TestFidelityTableAgreesWithDiscovery(t *testing.T) {
	d, err := fakeauth.LoadDiscovery(discoveryDoc)
	if err != nil {
		t.Fatal(err)
	}
	checked, problems := d.CheckTable(Table())
	for _, err := range problems {
		t.Error(err)
	}
	if checked < 50 {
		t.Fatalf("only %d rows checked against the discovery document", checked)
	}
}

// TestDiscoveryCheckCatchesStrays proves the check can fail.
func TestDiscoveryCheckCatchesStrays(t *testing.T) {
	d, err := fakeauth.LoadDiscovery(discoveryDoc)
	if err != nil {
		t.Fatal(err)
	}
	m := d.MethodFor("GET /admin/directory/v1/users")
	if m == nil || m.ID != "directory.users.list" {
		t.Fatalf("MethodFor(users) = %+v", m)
	}
	for _, bad := range []string{"users[].email", "users[].name.middleName", "users.id", "nextPage"} {
		if d.CheckField(m, bad) == nil {
			t.Errorf("field %q passed the discovery check", bad)
		}
	}
	for _, good := range []string{"users[].name.fullName", "users[].emails[].address", "nextPageToken"} {
		if err := d.CheckField(m, good); err != nil {
			t.Errorf("field %q: %v", good, err)
		}
	}
	if d.CheckParam(m, "limit") == nil || d.CheckParam(m, "query") != nil || d.CheckParam(m, "prettyPrint") != nil {
		t.Error("CheckParam accepts limit or refuses query or prettyPrint")
	}
	if d.MethodFor("GET /admin/directory/v1/people") != nil {
		t.Error("MethodFor found a method for a path the API lacks")
	}
}

// TestServedResponsesAgreeWithDiscovery asks every endpoint for whole
// resources (projection full, no field mask) and errors of each kind,
// with the fake under its fidelity recorder, and checks every field of
// every successful body against the discovery document and everything
// served against FIDELITY.md.
func TestServedResponsesAgreeWithDiscovery(t *testing.T) {
	d, err := fakeauth.LoadDiscovery(discoveryDoc)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{District: Generate(3, 150), Fidelity: true})
	defer s.Close()
	tok := token(t, s, s.District().SuperAdmin)
	plain := token(t, s, s.District().NonAdmin)
	dist := s.District()
	someone := dist.Users[len(dist.Users)/2]
	role := strconv.FormatInt(dist.Roles[0].ID, 10)
	admin1 := dist.DelegatedAdmins[0].Email

	paths := []string{
		"/admin/directory/v1/users?customer=my_customer&projection=full&maxResults=7",
		"/admin/directory/v1/users?domain=" + url.QueryEscape(dist.Domain) + "&query=" + url.QueryEscape("orgUnitPath='/Staff' isSuspended=false") + "&maxResults=500",
		"/admin/directory/v1/users/" + url.PathEscape(someone.PrimaryEmail) + "?projection=full",
		"/admin/directory/v1/users/" + someone.ID,
		"/admin/directory/v1/customer/my_customer/orgunits?type=all",
		"/admin/directory/v1/customer/" + dist.CustomerID + "/orgunits?type=allIncludingParent&orgUnitPath=%2FStudents",
		"/admin/directory/v1/customer/my_customer/roleassignments?maxResults=1",
		"/admin/directory/v1/customer/my_customer/roleassignments?userKey=" + url.QueryEscape(admin1) + "&includeIndirectRoleAssignments=true",
		"/admin/directory/v1/customer/my_customer/roles/" + role,
	}
	tab := Table()
	served := 0
	for _, p := range paths {
		req, _ := http.NewRequest("GET", s.URL()+p, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
			continue
		}
		m := d.MethodFor(tab.Endpoint(req))
		fields, err := fakeauth.JSONPaths(body)
		if err != nil || m == nil {
			t.Fatalf("%s: method %v, body %v", p, m, err)
		}
		for _, f := range fields {
			served++
			if err := d.CheckField(m, f); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		}
		for k := range req.URL.Query() {
			if err := d.CheckParam(m, k); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		}
	}
	if served < 40 {
		t.Errorf("only %d fields served in all", served)
	}

	// Errors: each status the table lists for the API.
	s.RateLimit(ResourceExhausted, 1, 2*time.Second)
	get(t, s, tok, "/admin/directory/v1/users?customer=my_customer")
	s.RateLimit(UserRateLimitExceeded, 1, time.Second)
	get(t, s, tok, "/admin/directory/v1/users?customer=my_customer")
	for _, code := range []int{500, 502, 503} {
		s.ServerErrors(code, 1)
		get(t, s, tok, "/admin/directory/v1/users?customer=my_customer")
	}
	for _, c := range []struct {
		tok, path string
		code      int
	}{
		{"", "/admin/directory/v1/users?customer=my_customer", 401},
		{plain, "/admin/directory/v1/users?customer=my_customer", 403},
		{tok, "/admin/directory/v1/users?customer=my_customer&maxResults=501", 400},
		{tok, "/admin/directory/v1/users/ghost@nowhere.example", 404},
	} {
		if code, _, _ := get(t, s, c.tok, c.path); code != c.code {
			t.Errorf("%s: %d, want %d", c.path, code, c.code)
		}
	}
	s.CheckFidelity(t)
	api, _ := s.FidelityRecorders()
	if u := api.Unused(); len(u) > 0 {
		t.Errorf("endpoints of FIDELITY.md never exercised: %v", u)
	}
}

// TestGoClientThroughRecorder runs Google's Go client over every method
// the connector uses, with the connector's own field masks, under the
// recorder: what the real client sends (alt, prettyPrint) and what the
// fake answers must all be in FIDELITY.md.
func TestGoClientThroughRecorder(t *testing.T) {
	s := New(Options{District: Generate(5, 120), Fidelity: true})
	defer s.Close()
	ctx := context.Background()
	tok := token(t, s, s.District().SuperAdmin)
	hc := &http.Client{Transport: bearer{tok}}
	svc, err := admin.NewService(ctx, option.WithEndpoint(s.Endpoint()), option.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = svc.Users.List().Customer("my_customer").MaxResults(40).Projection("basic").
		Query("orgUnitPath='/Students'").Fields("nextPageToken,users(id,primaryEmail,name/fullName,orgUnitPath,suspended,archived)").
		Pages(ctx, func(u *admin.Users) error { n += len(u.Users); return nil })
	if err != nil || n == 0 {
		t.Fatalf("users.list: %d users, %v", n, err)
	}
	u, err := svc.Users.Get(s.District().SuperAdmin).Projection("basic").Fields("id,primaryEmail,isAdmin,isDelegatedAdmin,suspended").Do()
	if err != nil || !u.IsAdmin {
		t.Fatalf("users.get: %+v, %v", u, err)
	}
	if _, err := svc.Orgunits.List("my_customer").Type("allIncludingParent").Fields("organizationUnits(orgUnitId,orgUnitPath)").Do(); err != nil {
		t.Fatal(err)
	}
	var roles []int64
	err = svc.RoleAssignments.List("my_customer").MaxResults(2).Pages(ctx, func(r *admin.RoleAssignments) error {
		for _, a := range r.Items {
			roles = append(roles, a.RoleId)
		}
		return nil
	})
	if err != nil || len(roles) == 0 {
		t.Fatalf("roleAssignments.list: %v %v", roles, err)
	}
	if _, err := svc.Roles.Get("my_customer", strconv.FormatInt(roles[0], 10)).Fields("roleId,roleName,isSuperAdminRole,rolePrivileges(privilegeName,serviceId)").Do(); err != nil {
		t.Fatal(err)
	}
	s.CheckFidelity(t)
}

type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}
