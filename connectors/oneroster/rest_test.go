package oneroster

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// smallDistrict is written out by hand so that what each case expects is
// plain to read.
func smallDistrict() *fake.District {
	b := fake.Base
	u := func(id, status string, enabled bool, email, username string) fake.User {
		return fake.User{SourcedID: id, Status: status, Modified: b, Enabled: enabled, Role: "student", Username: username,
			Email: email, GivenName: "G" + id, FamilyName: "F" + id, Orgs: []string{"sch-a"}}
	}
	n := 0
	e := func(user, class, school, role, status, end string) fake.Enrollment {
		n++
		return fake.Enrollment{SourcedID: "e" + string(rune('a'+n)), Status: status, Modified: b, User: user, Class: class,
			School: school, Role: role, EndDate: end}
	}
	d := &fake.District{
		Orgs: []fake.Org{
			{SourcedID: "dst", Status: "active", Modified: b, Name: "D", Type: "district"},
			{SourcedID: "sch-a", Status: "active", Modified: b, Name: "A", Type: "school", Parent: "dst"},
			{SourcedID: "sch-b", Status: "active", Modified: b, Name: "B", Type: "school", Parent: "dst"},
		},
		Classes: []fake.Class{
			{SourcedID: "c1", Status: "active", Modified: b, Title: "Math", School: "sch-a"},
			{SourcedID: "c2", Status: "active", Modified: b, Title: "Art", School: "sch-a"},
			{SourcedID: "c3", Status: "tobedeleted", Modified: b, Title: "Old", School: "sch-b"},
			{SourcedID: "c4", Status: "active", Modified: b, Title: "Bio", School: "sch-b"},
		},
		Users: []fake.User{
			u("active", "active", true, "Ann@D.org", "ann"),
			u("deleted", "tobedeleted", true, "del@d.org", "del"),
			u("disabled", "active", false, "dis@d.org", "dis"),
			u("unenrolled", "active", true, "gone@d.org", "gone"),
			u("ended", "active", true, "end@d.org", "end"),
			u("teacher", "active", true, "tea@d.org", "tea"),
			u("aide", "active", true, "", "aide@d.org"),
			u("admin", "active", true, "adm@d.org", "adm"),
			u("parent", "active", true, "par@fam.net", "par"),
			u("ext", "active", true, "ext@d.org", "ext"),
			u("nomail", "active", true, "", "nomail"),
			u("blank", "", true, "blank@d.org", "blank"),
		},
		Enrollments: []fake.Enrollment{
			e("active", "c1", "sch-a", "student", "active", ""),
			e("deleted", "c1", "sch-a", "student", "active", ""),
			e("disabled", "c1", "sch-a", "student", "active", ""),
			e("unenrolled", "c1", "sch-a", "student", "tobedeleted", ""),
			e("ended", "c2", "sch-a", "student", "active", "2020-06-30"),
			e("teacher", "c1", "sch-a", "teacher", "active", ""),
			e("teacher", "c2", "sch-a", "student", "active", ""),
			e("aide", "c2", "sch-a", "aide", "active", ""),
			e("admin", "c2", "sch-a", "administrator", "active", ""),
			e("parent", "c1", "sch-a", "parent", "active", ""),
			e("ext", "c1", "sch-a", "ext:mentor", "active", ""),
			e("nomail", "c4", "sch-b", "student", "active", ""),
			e("blank", "c4", "sch-b", "student", "", ""),
		},
	}
	return d
}

// fetchAll runs a Fetch and returns "id=email/role" lines, sorted.
func fetchAll(t *testing.T, c connectors.Connector, sel connectors.Selection) ([]string, error) {
	t.Helper()
	var got []string
	err := c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
		for _, p := range page {
			got = append(got, p.ExternalID+"="+p.Email+"/"+string(p.Role))
		}
		return nil
	})
	slices.Sort(got)
	return got, err
}

// Every status a OneRoster source uses to say "not any more" leaves the
// person out, roles map by the table and the selection, and the email
// falls back to an address-shaped username: over both REST versions and
// a bundle of the same district.
func TestStatusesAndRoles(t *testing.T) {
	cases := []struct {
		name string
		sel  connectors.Selection
		want []string
	}{
		{"school a, default roles", connectors.Selection{Units: []string{"org:sch-a"}}, []string{
			"active=Ann@D.org/student", "admin=adm@d.org/other", "aide=aide@d.org/teacher", "teacher=tea@d.org/teacher"}},
		{"school a, parents and ext mapped", connectors.Selection{Units: []string{"org:sch-a"},
			Roles:       map[string]license.Role{"parent": license.RoleOther, "administrator": license.RoleTeacher, "aide": license.RoleOther},
			DefaultRole: license.RoleStudent}, []string{
			"active=Ann@D.org/student", "admin=adm@d.org/teacher", "aide=aide@d.org/other", "ext=ext@d.org/student",
			"parent=par@fam.net/other", "teacher=tea@d.org/teacher"}},
		{"school b: empty status is active, no email stays empty", connectors.Selection{Units: []string{"org:sch-b"}}, []string{
			"blank=blank@d.org/student", "nomail=/student"}},
	}
	kinds := []struct {
		name string
		open func(t *testing.T, d *fake.District) connectors.Connector
	}{
		{"rest-1.1", func(t *testing.T, d *fake.District) connectors.Connector {
			return newREST(t, d, restOptions{version: V11}).conn
		}},
		{"rest-1.2", func(t *testing.T, d *fake.District) connectors.Connector {
			return newREST(t, d, restOptions{version: V12}).conn
		}},
		{"csv", func(t *testing.T, d *fake.District) connectors.Connector {
			return newBundle(t, d, fake.BundleOptions{})
		}},
	}
	for _, k := range kinds {
		for _, tc := range cases {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				c := k.open(t, smallDistrict())
				got, err := fetchAll(t, c, tc.sel)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("got  %v\nwant %v", got, tc.want)
				}
			})
		}
	}
}

// Class units read /classes/{id}/students and /teachers.
func TestClassUnits(t *testing.T) {
	e := newREST(t, smallDistrict(), restOptions{version: V11})
	got, err := fetchAll(t, e.conn, connectors.Selection{Units: []string{"class:c2", "class:c1"}})
	if err != nil {
		t.Fatal(err)
	}
	// c1: active, teacher (teacher), deleted/disabled left out; c2: teacher
	// as a student, ended left out. Aides and administrators are not on
	// those two endpoints.
	want := []string{"active=Ann@D.org/student", "teacher=tea@d.org/student", "teacher=tea@d.org/teacher"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// tamper changes a request after it was signed.
type tamper struct {
	next http.RoundTripper
	edit func(*http.Request)
}

func (t tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	t.edit(r)
	return t.next.RoundTrip(r)
}

// The fake verifies OAuth 1.0a signatures exactly: any change to what
// was signed, an old timestamp or a reused nonce is refused.
func TestOAuth1Verification(t *testing.T) {
	fixed := time.Now()
	cases := []struct {
		name  string
		edit  func(*http.Request)
		extra []Option
		twice bool   // the second call is the one refused
		want  string // "" : accepted
	}{
		{"untouched", nil, nil, false, ""},
		{"query value changed", func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=1", "limit=2", 1) }, nil, false, "signature mismatch"},
		{"query parameter added", func(r *http.Request) { r.URL.RawQuery += "&filter=status%3D%27active%27" }, nil, false, "signature mismatch"},
		{"path changed", func(r *http.Request) { r.URL.Path = "/ims/oneroster/v1p1/orgs" }, nil, false, "signature mismatch"},
		{"signature method", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "HMAC-SHA256", "HMAC-SHA1", 1))
		}, nil, false, "requires HMAC-SHA256"},
		{"no header", func(r *http.Request) { r.Header.Del("Authorization") }, nil, false, "Authorization header is required"},
		{"old timestamp", nil, []Option{WithSigning(randomNonce, func() time.Time { return time.Now().Add(-10 * time.Minute) })}, false, "oauth_timestamp"},
		{"nonce reused", nil, []Option{WithSigning(func() (string, error) { return "same-nonce", nil }, func() time.Time { return fixed })}, true, "already used"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var client *http.Client
			if tc.edit != nil {
				client = &http.Client{Transport: tamper{next: http.DefaultTransport, edit: tc.edit}}
			}
			e := newREST(t, smallDistrict(), restOptions{version: V11, extra: tc.extra, settings: func(s *Settings) { s.Limit = 1 }})
			if client != nil {
				var err error
				e.conn, err = New(e.set, connectors.OpenOptions{Name: "district", HTTPClient: client}, WithClock(e.clock))
				if err != nil {
					t.Fatal(err)
				}
			}
			err := e.conn.Check(context.Background())
			if tc.twice {
				if err != nil {
					t.Fatalf("first call refused: %v", err)
				}
				err = e.conn.Check(context.Background())
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != 401 || ae.CodeMinor != "unauthorisedrequest" || !strings.Contains(ae.Description, tc.want) {
				t.Fatalf("got %v, want a 401 unauthorisedrequest saying %q", err, tc.want)
			}
		})
	}
}

// Limits the server caps silently and servers without X-Total-Count are
// read whole: paging follows what arrives.
func TestPagingFollowsServer(t *testing.T) {
	d := fake.Generate(3, 120, 4)
	sel := wholeSelection(d)
	want, err := fetchAll(t, newREST(t, d, restOptions{}).conn, sel)
	if err != nil || len(want) == 0 {
		t.Fatalf("baseline: %d people, %v", len(want), err)
	}
	e := newREST(t, fake.Generate(3, 120, 4), restOptions{fake: fake.Options{MaxLimit: 7}, settings: func(s *Settings) { s.Limit = 500 }})
	got, err := fetchAll(t, e.conn, sel)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("with the limit capped at 7: %d people, want %d", len(got), len(want))
	}
	if n := e.srv.Counts().List; n < int64(len(want)/7) {
		t.Errorf("%d listing requests: the cap was not followed", n)
	}
}

// A body cut short is retried as a network error.
func TestTruncatedBodyRetried(t *testing.T) {
	e := newREST(t, nil, restOptions{})
	e.srv.Truncate(2)
	if _, err := fetchAll(t, e.conn, wholeSelection(e.srv.Snapshot())); err != nil {
		t.Fatal(err)
	}
	if n := e.rec.Retries("network"); n != 2 {
		t.Errorf("%d network retries, want 2 (%v)", n, e.rec.AllRetries())
	}
}

func TestValidateSelection(t *testing.T) {
	cases := []struct {
		name    string
		units   []string
		roles   map[string]license.Role
		want    string
		unknown bool
	}{
		{"good", []string{"org:sch-a", "class:c1"}, nil, "", false},
		{"unknown school", []string{"org:sch-z"}, nil, `"org:sch-z"`, true},
		{"a class is not a school", []string{"org:c1"}, nil, `"org:c1"`, true},
		{"tobedeleted class", []string{"class:c3"}, nil, "tobedeleted", true},
		{"no prefix", []string{"sch-a"}, nil, "must be org:", false},
		{"unknown role key", []string{"org:sch-a"}, map[string]license.Role{"janitor": license.RoleOther}, `roles["janitor"]`, false},
	}
	e := newREST(t, smallDistrict(), restOptions{version: V12})
	b := newBundle(t, smallDistrict(), fake.BundleOptions{})
	for _, c := range []connectors.SelectionValidator{e.conn, b} {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := c.ValidateSelection(context.Background(), connectors.Selection{Units: tc.units, Roles: tc.roles})
				if tc.want == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error containing %s", err, tc.want)
				}
				if errors.Is(err, ErrUnknownUnit) != tc.unknown {
					t.Errorf("errors.Is(ErrUnknownUnit) = %v, want %v", !tc.unknown, tc.unknown)
				}
			})
		}
	}
}

// Incremental users: the second Fetch asks only for users changed since
// the first, and still sees the changes.
func TestIncrementalUsers(t *testing.T) {
	e := newREST(t, smallDistrict(), restOptions{settings: func(s *Settings) { s.IncrementalUsers = true; s.Limit = 2 }})
	sel := connectors.Selection{Units: []string{"org:sch-a"}}
	first, err := fetchAll(t, e.conn, sel)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetUserEmail("active", "ann.new@d.org"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetUserStatus("aide", fake.StatusToBeDeleted); err != nil {
		t.Fatal(err)
	}
	before := e.srv.Counts().List
	second, err := fetchAll(t, e.conn, sel)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"active=ann.new@d.org/student", "admin=adm@d.org/other", "teacher=tea@d.org/teacher"}
	if !slices.Equal(second, want) {
		t.Errorf("after the changes: %v\nwant %v (first: %v)", second, want, first)
	}
	// The enrollments of sch-a (11 records at 2 a page: 6 pages) and one
	// page of the 2 changed users: 7, where a full read of the 12 users
	// would take 6 pages more.
	if n := e.srv.Counts().List - before; n != 7 {
		t.Errorf("%d listing requests for the incremental Fetch, want 7", n)
	}
}

// Secrets never reach logs or errors.
func TestSecretsNotLogged(t *testing.T) {
	for _, v := range []string{V11, V12} {
		e := newREST(t, nil, restOptions{version: v})
		e.srv.ServerErrors(2)
		if _, err := fetchAll(t, e.conn, wholeSelection(e.srv.Snapshot())); err != nil {
			t.Fatal(err)
		}
		e.srv.BadCredentials()
		err := e.conn.Check(context.Background())
		_, cs, _, ss := e.srv.Credentials()
		for _, secret := range []string{string(e.set.ConsumerSecret), string(e.set.ClientSecret), cs, ss} {
			if secret == "" {
				continue
			}
			if strings.Contains(e.logs.String(), secret) || (err != nil && strings.Contains(err.Error(), secret)) {
				t.Errorf("%s: a secret is in the logs or the error", v)
			}
		}
		if !strings.Contains(e.logs.String(), "retrying") {
			t.Errorf("%s: no retry was logged: the check cannot fail", v)
		}
	}
}

func TestAPIErrorBodies(t *testing.T) {
	cases := []struct {
		name, body        string
		major, minor, msg string
	}{
		{"top level", `{"imsx_codeMajor":"failure","imsx_severity":"error","imsx_description":"School not found.","imsx_CodeMinor":{"imsx_codeMinorField":[{"imsx_codeMinorFieldName":"TargetEndSystem","imsx_codeMinorFieldValue":"unknownobject"}]}}`,
			"failure", "unknownobject", "School not found."},
		{"nested", `{"imsx_StatusInfo":{"imsx_codeMajor":"failure","imsx_severity":"error","imsx_description":"bad filter"}}`, "failure", "", "bad filter"},
		{"status info set", `{"statusInfoSet":[{"imsx_codeMajor":"failure","imsx_severity":"error","imsx_description":"first"}]}`, "failure", "", "first"},
		{"oauth", `{"error":"invalid_token","error_description":"expired"}`, "", "invalid_token", "expired"},
		{"html", `<html>Bad Gateway</html>`, "", "", `"<html>Bad Gateway</html>"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 404, Header: http.Header{"Content-Type": {"x"}}}
			e := apiError("n", "GET /x", resp, []byte(tc.body))
			if e.CodeMajor != tc.major || e.CodeMinor != tc.minor || !strings.Contains(e.Description, tc.msg) {
				t.Errorf("got %+v", e)
			}
			if !strings.Contains(e.Error(), tc.msg) || !strings.Contains(e.Error(), `oneroster "n"`) {
				t.Errorf("message %q lacks the server's words or the connector", e.Error())
			}
		})
	}
}
