package fake

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	classroom "google.golang.org/api/classroom/v1"
	"google.golang.org/api/option"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

const discoveryDoc = "classroom/v1/classroom-api.json"

// TestFidelityTableAgreesWithDiscovery holds every row of FIDELITY.md to
// the discovery document shipped in google.golang.org/api: each endpoint a
// method, each parameter one of the method's (or a system parameter), each
// field a property of the method's response schema. Error-body fields
// (endpoint *) are Google's common error format, outside discovery.
func TestFidelityTableAgreesWithDiscovery(t *testing.T) {
	d, err := fakeauth.LoadDiscovery(discoveryDoc)
	if err != nil {
		t.Fatal(err)
	}
	checked, problems := d.CheckTable(Table())
	for _, err := range problems {
		t.Error(err)
	}
	if checked < 40 {
		t.Fatalf("only %d rows checked against the discovery document", checked)
	}
	m := d.MethodFor("GET /v1/courses/{courseId}/students")
	if m == nil || d.CheckField(m, "students[].profile.email") == nil || d.CheckField(m, "students[].profile.emailAddress") != nil {
		t.Error("the discovery check does not tell emailAddress from email")
	}
}

// TestServedResponsesAgreeWithDiscovery asks every endpoint, with and
// without the profile-emails scope, and for each error, with the fake
// under its fidelity recorder; every field of every successful body must
// be in the discovery document's response schema, and everything served
// in FIDELITY.md.
func TestServedResponsesAgreeWithDiscovery(t *testing.T) {
	d, err := fakeauth.LoadDiscovery(discoveryDoc)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{School: Generate(6, 300), Fidelity: true})
	defer s.Close()
	tok := token(t, s, s.Admin(), ScopeCoursesReadonly, ScopeRostersReadonly, ScopeProfileEmails)
	noEmail := token(t, s, s.Admin(), ScopeCoursesReadonly, ScopeRostersReadonly)
	c := s.Courses()[0]
	var teacherEmail string
	for _, u := range s.Users() {
		if u.ID == c.OwnerID {
			teacherEmail = u.Email
		}
	}
	tab := Table()
	served := 0
	for _, q := range []struct{ tok, path string }{
		{tok, "/v1/courses?pageSize=3&courseStates=ACTIVE&courseStates=ARCHIVED"},
		{tok, "/v1/courses?teacherId=" + url.QueryEscape(teacherEmail)},
		{tok, "/v1/courses/" + c.ID},
		{tok, "/v1/courses/" + c.ID + "/students?pageSize=2"},
		{noEmail, "/v1/courses/" + c.ID + "/students"},
		{tok, "/v1/courses/" + c.ID + "/teachers"},
		{tok, "/v1/userProfiles/" + c.OwnerID},
		{tok, "/v1/userProfiles/me"},
	} {
		req, _ := http.NewRequest("GET", s.URL()+q.path, nil)
		req.Header.Set("Authorization", "Bearer "+q.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", q.path, resp.StatusCode, body)
			continue
		}
		m := d.MethodFor(tab.Endpoint(req))
		fields, err := fakeauth.JSONPaths(body)
		if err != nil || m == nil {
			t.Fatalf("%s: method %v, body %v", q.path, m, err)
		}
		for _, f := range fields {
			served++
			if err := d.CheckField(m, f); err != nil {
				t.Errorf("%s: %v", q.path, err)
			}
		}
		for k := range req.URL.Query() {
			if err := d.CheckParam(m, k); err != nil {
				t.Errorf("%s: %v", q.path, err)
			}
		}
	}
	if served < 25 {
		t.Errorf("only %d fields served in all", served)
	}
	s.RateLimit(1)
	get(t, s, tok, "/v1/courses", nil)
	s.RateLimitAs(fakeauth.RateLimitExceeded, 1, time.Second)
	get(t, s, tok, "/v1/courses", nil)
	for _, code := range []int{500, 502, 503} {
		s.ServerErrorsCode(code, 1)
		get(t, s, tok, "/v1/courses", nil)
	}
	for _, e := range []struct {
		tok, path string
		code      int
	}{
		{"ya29.nope", "/v1/courses", 401},
		{tok, "/v1/courses?courseStates=GONE", 400},
		{tok, "/v1/courses/nope", 404},
	} {
		if code := get(t, s, e.tok, e.path, nil); code != e.code {
			t.Errorf("%s: %d, want %d", e.path, code, e.code)
		}
	}
	s.CheckFidelity(t)
	api, _ := s.FidelityRecorders()
	if u := api.Unused(); len(u) > 0 {
		t.Errorf("endpoints of FIDELITY.md never exercised: %v", u)
	}
}

// TestGoClientThroughRecorder pages courses and rosters with Google's Go
// client under the recorder.
func TestGoClientThroughRecorder(t *testing.T) {
	s := New(Options{School: Generate(7, 400), Fidelity: true})
	defer s.Close()
	ctx := context.Background()
	tok := token(t, s, s.Admin(), ScopeCoursesReadonly, ScopeRostersReadonly, ScopeProfileEmails)
	svc, err := classroom.NewService(ctx, option.WithEndpoint(s.Endpoint()), option.WithHTTPClient(&http.Client{Transport: bearer{tok}}))
	if err != nil {
		t.Fatal(err)
	}
	courses, people := 0, 0
	err = svc.Courses.List().CourseStates("ACTIVE").PageSize(5).Pages(ctx, func(r *classroom.ListCoursesResponse) error {
		for _, c := range r.Courses {
			courses++
			if err := svc.Courses.Students.List(c.Id).PageSize(7).Pages(ctx, func(r *classroom.ListStudentsResponse) error {
				people += len(r.Students)
				return nil
			}); err != nil {
				return err
			}
			if err := svc.Courses.Teachers.List(c.Id).Pages(ctx, func(r *classroom.ListTeachersResponse) error {
				people += len(r.Teachers)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || courses == 0 || people == 0 {
		t.Fatalf("%d courses, %d people, %v", courses, people, err)
	}
	s.CheckFidelity(t)
}

type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}
