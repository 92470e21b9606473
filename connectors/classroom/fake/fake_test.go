package fake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/google"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// token gets a token for the admin with scopes through the real JWT flow.
func token(t *testing.T, s *Server, subject string, scopes ...string) string {
	t.Helper()
	sa, key, err := fakeauth.NewServiceAccount("fake-test@p.iam.gserviceaccount.com", s.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	s.Register(sa, ScopeCourses, ScopeCoursesReadonly, ScopeRostersReadonly, ScopeProfileEmails)
	cfg, err := google.JWTConfigFromJSON(key, scopes...)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Subject = subject
	tok, err := cfg.TokenSource(t.Context()).Token()
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func get(t *testing.T, s *Server, tok, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		_ = json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// Paging is complete and stable, newest first, filters hold, and page
// sizes are honored.
func TestCoursesListPaging(t *testing.T) {
	s := New(Options{School: Generate(3, 4000), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.Admin(), ScopeCoursesReadonly)
	all := s.Courses()
	teacher := all[5].OwnerID
	cases := []struct {
		name  string
		query string
		keep  func(Course) bool
	}{
		{"every state", "", func(Course) bool { return true }},
		{"active", "courseStates=ACTIVE", func(c Course) bool { return c.State == StateActive }},
		{"archived or provisioned", "courseStates=ARCHIVED&courseStates=PROVISIONED", func(c Course) bool { return c.State == StateArchived || c.State == StateProvisioned }},
		{"teacher by id", "teacherId=" + teacher, func(c Course) bool { return slices.Contains(c.Teachers, teacher) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for i := len(all) - 1; i >= 0; i-- {
				if tc.keep(all[i]) {
					want = append(want, all[i].ID)
				}
			}
			var got []string
			next := ""
			for pages := 0; pages == 0 || next != ""; pages++ {
				var body struct {
					Courses []struct {
						ID string `json:"id"`
					} `json:"courses"`
					NextPageToken string `json:"nextPageToken"`
				}
				path := "/v1/courses?pageSize=7&" + tc.query
				if next != "" {
					path += "&pageToken=" + url.QueryEscape(next)
				}
				if code := get(t, s, tok, path, &body); code != 200 {
					t.Fatalf("page %d: %d", pages+1, code)
				}
				if len(body.Courses) > 7 {
					t.Fatalf("page of %d, above pageSize", len(body.Courses))
				}
				for _, c := range body.Courses {
					got = append(got, c.ID)
				}
				next = body.NextPageToken
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("got %d courses %v, want %d newest first", len(got), got[:min(5, len(got))], len(want))
			}
		})
	}
}

func TestErrors(t *testing.T) {
	s := New(Options{School: Generate(2, 500), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	full := token(t, s, s.Admin(), ScopeCoursesReadonly, ScopeRostersReadonly)
	course := s.Courses()[0].ID
	cases := []struct {
		name, tok, path string
		code            int
		status          string
	}{
		{"no token", "", "/v1/courses", 401, "UNAUTHENTICATED"},
		{"both filters", full, "/v1/courses?teacherId=me&studentId=me", 400, "INVALID_ARGUMENT"},
		{"unknown state", full, "/v1/courses?courseStates=OPEN", 400, "INVALID_ARGUMENT"},
		{"unknown teacher", full, "/v1/courses?teacherId=ghost@x.org", 404, "NOT_FOUND"},
		{"unknown course", full, "/v1/courses/1/students", 404, "NOT_FOUND"},
		{"foreign page token", full, "/v1/courses/" + course + "/students?pageToken=MnwzfDAwMDAwMDAw", 400, "INVALID_ARGUMENT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body struct {
				Error struct {
					Code    int    `json:"code"`
					Status  string `json:"status"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if code := get(t, s, tc.tok, tc.path, &body); code != tc.code || body.Error.Status != tc.status || body.Error.Message == "" {
				t.Errorf("%d %+v, want %d %s with a message", code, body.Error, tc.code, tc.status)
			}
		})
	}
}

// emailAddress is there only for tokens with the profile emails scope.
func TestProfileEmails(t *testing.T) {
	s := New(Options{School: Generate(2, 500), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	course := s.Courses()[0].ID
	for _, withEmails := range []bool{true, false} {
		scopes := []string{ScopeRostersReadonly}
		if withEmails {
			scopes = append(scopes, ScopeProfileEmails)
		}
		var body struct {
			Teachers []struct {
				Profile map[string]any `json:"profile"`
			} `json:"teachers"`
		}
		if code := get(t, s, token(t, s, s.Admin(), scopes...), "/v1/courses/"+course+"/teachers", &body); code != 200 || len(body.Teachers) == 0 {
			t.Fatalf("%d, %d teachers", code, len(body.Teachers))
		}
		_, has := body.Teachers[0].Profile["emailAddress"]
		if has != withEmails {
			t.Errorf("emails scope %v: profile %v", withEmails, body.Teachers[0].Profile)
		}
	}
}

// Rosters joined or left between pages shift nobody, and churn changes
// what is served.
func TestRosterPagingUnderChurn(t *testing.T) {
	s := New(Options{School: Generate(4, 2000), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.Admin(), ScopeRostersReadonly)
	c := s.Courses()[2]
	if len(c.Students) < 6 {
		t.Fatalf("course of %d students: the test cannot page", len(c.Students))
	}
	var first struct {
		Students []struct {
			UserID string `json:"userId"`
		} `json:"students"`
		NextPageToken string `json:"nextPageToken"`
	}
	path := "/v1/courses/" + c.ID + "/students?pageSize=3"
	if get(t, s, tok, path, &first) != 200 || first.NextPageToken == "" {
		t.Fatal("first page")
	}
	if err := s.Unenroll(c.ID, first.Students[0].UserID, Student); err != nil {
		t.Fatal(err)
	}
	var second struct {
		Students []struct {
			UserID string `json:"userId"`
		} `json:"students"`
	}
	get(t, s, tok, path+"&pageToken="+url.QueryEscape(first.NextPageToken), &second)
	if len(second.Students) == 0 || second.Students[0].UserID != c.Students[3] {
		t.Errorf("second page starts with %v, want %s", second.Students, c.Students[3])
	}
	changes := s.Churn(1, 40)
	if len(changes) < 20 || !slices.Equal(changes, New(Options{School: Generate(4, 2000)}).Churn(1, 40)) {
		t.Errorf("churn made %d changes, or differs for the same seed", len(changes))
	}
}

// Faults switch on and off while requests run.
func TestFaults(t *testing.T) {
	s := New(Options{School: Generate(2, 300), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.Admin(), ScopeCoursesReadonly)
	s.RateLimitAs(fakeauth.UserRateLimitExceeded, 1, 2*time.Second)
	req, _ := http.NewRequest("GET", s.URL()+"/v1/courses", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("rate limit: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	s.Empty()
	var body map[string]any
	if get(t, s, tok, "/v1/courses", &body); len(body) != 0 {
		t.Errorf("empty school lists %v", body)
	}
	s.ClearFaults()
	if msg := s.BadCredentials(); !strings.Contains(msg, "Signature") {
		t.Errorf("BadCredentials says %q", msg)
	}
	if code := get(t, s, tok, "/v1/courses", nil); code != 401 {
		t.Errorf("after BadCredentials an old token gets %d, want 401", code)
	}
}
