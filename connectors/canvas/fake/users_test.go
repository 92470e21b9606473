package fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// emailDistrict is one course with the people whose emails Canvas treats
// differently: plain, mixed case, none, invited-only, and an admin whose
// role cannot read emails.
func emailDistrict() *District {
	return &District{
		Accounts: []Account{{ID: 1, Name: "District"}},
		Courses:  []Course{{ID: 10, AccountID: 1, Name: "A", WorkflowState: "available"}},
		Users: []User{
			{ID: 1, Name: "Admin", SortableName: "Admin", Admin: true},
			{ID: 2, Name: "Blind Admin", SortableName: "Blind", Admin: true, NoEmailPermission: true},
			{ID: 3, Name: "Ann", SortableName: "a, Ann", Email: "ann@x.org", LoginID: "s0003", SISUserID: "s0003"},
			{ID: 4, Name: "Bo", SortableName: "b, Bo", Email: "Bo.Mixed@X.Org", LoginID: "s0004"},
			{ID: 5, Name: "Cy", SortableName: "c, Cy", LoginID: "cy@x.org"},
			{ID: 6, Name: "Di", SortableName: "d, Di", Email: "di@x.org", LoginID: "s0006"},
			{ID: 7, Name: "Ed", SortableName: "e, Ed", Email: "ed@x.org", LoginID: "s0007"},
		},
		Enrollments: []Enrollment{
			{ID: 1, CourseID: 10, UserID: 3, Type: StudentEnrollment, State: StateActive},
			{ID: 2, CourseID: 10, UserID: 4, Type: TeacherEnrollment, State: StateActive},
			{ID: 3, CourseID: 10, UserID: 5, Type: StudentEnrollment, State: StateActive},
			{ID: 4, CourseID: 10, UserID: 6, Type: StudentEnrollment, State: StateInvited},
			{ID: 5, CourseID: 10, UserID: 7, Type: ObserverEnrollment, State: StateActive, AssociatedUserID: 3},
		},
	}
}

// getUsers lists course 10's users with query and returns them by id.
func getUsers(t *testing.T, s *Server, tok, query string) map[int64]map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/v1/courses/10/users?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var page []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	out := map[int64]map[string]any{}
	for _, u := range page {
		n, _ := u["id"].(float64)
		out[int64(n)] = u
	}
	return out
}

// Canvas shows an email only when asked, only to a caller holding
// read_email_addresses, only for confirmed users, null when there is
// none, as the user typed it; never a login in its place.
func TestCourseUserEmails(t *testing.T) {
	s := New(Options{District: emailDistrict(), Fidelity: true})
	defer s.Close()
	defer s.Fidelity().Check(t)
	admin, blind := s.NewToken(1), s.NewToken(2)
	absent := "(absent)"
	cases := []struct {
		name, tok, query string
		want             map[int64]any // user id → email, absent or nil; users not named must not be listed
	}{
		{"not asked", admin, "", map[int64]any{3: absent, 4: absent, 5: absent, 6: absent, 7: absent}},
		{"asked", admin, "include[]=email", map[int64]any{3: "ann@x.org", 4: "Bo.Mixed@X.Org", 5: nil, 6: absent, 7: "ed@x.org"}},
		{"asked without the permission", blind, "include[]=email", map[int64]any{3: absent, 4: absent, 5: absent, 6: absent, 7: absent}},
		{"types and states", admin, "include[]=email&enrollment_type[]=student&enrollment_type[]=teacher&enrollment_state[]=active",
			map[int64]any{3: "ann@x.org", 4: "Bo.Mixed@X.Org", 5: nil}},
		{"invited only", admin, "include[]=email&enrollment_state[]=invited", map[int64]any{6: absent}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := getUsers(t, s, tc.tok, tc.query)
			if len(got) != len(tc.want) {
				t.Errorf("listed %d users, want %d: %v", len(got), len(tc.want), got)
			}
			for id, want := range tc.want {
				u, ok := got[id]
				if !ok {
					t.Errorf("user %d not listed", id)
					continue
				}
				email, has := u["email"]
				switch {
				case want == absent && has:
					t.Errorf("user %d: email %v, want the key absent", id, email)
				case want != absent && !has:
					t.Errorf("user %d: email absent, want %v", id, want)
				case want != absent && email != want:
					t.Errorf("user %d: email %v, want %v", id, email, want)
				}
			}
		})
	}
	t.Run("enrollments included", func(t *testing.T) {
		got := getUsers(t, s, admin, "include[]=enrollments&enrollment_state[]=active")
		es, _ := got[7]["enrollments"].([]any)
		if len(es) != 1 || es[0].(map[string]any)["type"] != ObserverEnrollment || es[0].(map[string]any)["associated_user_id"] != float64(3) {
			t.Errorf("observer's enrollments = %v", es)
		}
		if _, ok := got[6]; ok {
			t.Error("an invited user listed under enrollment_state[]=active")
		}
	})
}

// per_page is clamped as Canvas's Api.per_page_for clamps it, and the
// links carry every parameter, page and per_page last, with no last link.
func TestCourseUserPaging(t *testing.T) {
	s := New(Options{District: testDistrict(30), Fidelity: true})
	defer s.Close()
	defer s.Fidelity().Check(t)
	tok := s.AdminToken()
	cases := []struct {
		perPage string
		size    int
	}{{"", DefaultPerPage}, {"per_page=0", 1}, {"per_page=abc", 1}, {"per_page=7", 7}, {"per_page=1000", 24}}
	for _, tc := range cases {
		t.Run(tc.perPage, func(t *testing.T) {
			got := getUsers(t, s, tok, "enrollment_state[]=active&"+tc.perPage)
			if len(got) != tc.size {
				t.Errorf("page of %d, want %d", len(got), tc.size)
			}
		})
	}
	code, head, _ := rawGet(t, s, "/api/v1/courses/10/users?include[]=email&per_page=5&page=2", tok)
	if code != 200 {
		t.Fatal(code)
	}
	for _, want := range []string{`/api/v1/courses/10/users?include%5B%5D=email&page=3&per_page=5>; rel="next"`, `page=1&per_page=5>; rel="prev"`, `rel="first"`} {
		if !strings.Contains(head, want) {
			t.Errorf("link lacks %q:\n%s", want, head)
		}
	}
	if strings.Contains(head, `rel="last"`) {
		t.Error("course users send no last link")
	}
	for page := 1; page <= 3; page++ {
		if code, _, _ := rawGet(t, s, "/api/v1/courses/10/users?page="+strconv.Itoa(page), tok); code != 200 {
			t.Errorf("page %d: %d", page, code)
		}
	}
}

// The course list speaks of created and claimed where a course says
// unpublished, lists every state but deleted by default, and sends no
// last link; the account's users carry emails only when asked.
func TestCourseStatesAndAccountUsers(t *testing.T) {
	d := emailDistrict()
	d.Courses = append(d.Courses,
		Course{ID: 11, AccountID: 1, Name: "Draft", WorkflowState: "unpublished"},
		Course{ID: 12, AccountID: 1, Name: "Old", WorkflowState: "completed"},
		Course{ID: 13, AccountID: 1, Name: "Gone", WorkflowState: "deleted"})
	s := New(Options{District: d, Fidelity: true})
	defer s.Close()
	defer s.Fidelity().Check(t)
	tok := s.NewToken(1)
	ids := func(path string) []int64 {
		t.Helper()
		code, head, body := rawGet(t, s, path, tok)
		if code != 200 || strings.Contains(head, `rel="last"`) {
			t.Fatalf("%s: %d, link %q", path, code, head)
		}
		var page []struct {
			ID    int64   `json:"id"`
			Email *string `json:"email"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range page {
			out = append(out, c.ID)
		}
		return out
	}
	cases := []struct {
		query string
		want  string
	}{
		{"", "[10 11 12]"},
		{"?state[]=available", "[10]"},
		{"?state[]=created", "[11]"},
		{"?state[]=completed&state[]=claimed", "[11 12]"},
		{"?state[]=all", "[10 11 12 13]"},
	}
	for _, tc := range cases {
		if got := fmt.Sprint(ids("/api/v1/accounts/1/courses" + tc.query)); got != tc.want {
			t.Errorf("courses%s = %s, want %s", tc.query, got, tc.want)
		}
	}
	_, _, plain := rawGet(t, s, "/api/v1/accounts/self/users?per_page=100", tok)
	_, _, withEmail := rawGet(t, s, "/api/v1/accounts/self/users?include[]=email&per_page=100", tok)
	if strings.Contains(string(plain), `"email"`) || !strings.Contains(string(withEmail), `"email":"Bo.Mixed@X.Org"`) ||
		!strings.Contains(string(withEmail), `"email":null`) {
		t.Errorf("account users: without include %s\nwith include %s", plain, withEmail)
	}
	_, _, blind := rawGet(t, s, "/api/v1/accounts/self/users?include[]=email&per_page=100", s.NewToken(2))
	if strings.Contains(string(blind), `"email"`) {
		t.Errorf("a caller without read_email_addresses saw emails: %s", blind)
	}
}
