package fake

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func testDistrict(students int) *District {
	d := &District{
		Accounts: []Account{{ID: 1, Name: "District"}, {ID: 2, ParentID: 1, Name: "Sub"}},
		Terms:    []Term{{ID: 1, Name: "T"}},
		Courses:  []Course{{ID: 10, AccountID: 1, TermID: 1, Name: "A", WorkflowState: "available"}, {ID: 11, AccountID: 2, TermID: 1, Name: "B", WorkflowState: "available"}},
		Users:    []User{{ID: 1, Name: "Admin", SortableName: "Admin", Admin: true}, {ID: 2, Name: "Teacher", SortableName: "Teacher"}},
	}
	for i := range students {
		id := int64(100 + i)
		d.Users = append(d.Users, User{ID: id, Name: fmt.Sprintf("S %03d", i), SortableName: fmt.Sprintf("%03d, S", i), Email: fmt.Sprintf("s%d@x.org", i)})
		state := StateActive
		if i%4 == 3 {
			state = StateInactive
		}
		d.Enrollments = append(d.Enrollments, Enrollment{ID: 1000 + id, CourseID: 10, UserID: id, Type: StudentEnrollment, State: state})
	}
	d.Enrollments = append(d.Enrollments, Enrollment{ID: 5000, CourseID: 10, UserID: 2, Type: TeacherEnrollment, State: StateActive})
	return d
}

// rawGet sends one request and returns the status, the header lines as
// sent on the wire, and the body.
func rawGet(t *testing.T, s *Server, path, token string) (int, string, []byte) {
	t.Helper()
	u, _ := url.Parse(s.URL())
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", path, u.Host)
	if token != "" {
		fmt.Fprintf(conn, "Authorization: Bearer %s\r\n", token)
	}
	fmt.Fprint(conn, "\r\n")
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(raw))), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ContentLength < 0 {
		t.Fatal("chunked body: the test reads Content-Length bodies only")
	}
	return resp.StatusCode, head, []byte(body)
}

func TestAnswers(t *testing.T) {
	s := New(Options{District: testDistrict(25), Fidelity: true})
	defer s.Close()
	defer s.Fidelity().Check(t)
	admin := s.AdminToken()
	teacher := s.NewToken(2)
	cases := []struct {
		name   string
		path   string
		token  string
		code   int
		header []string // substrings of the raw header block
		body   []string
	}{
		{"no token", "/api/v1/courses/10/enrollments", "", 401, []string{`WWW-Authenticate: Bearer realm="canvas-lms"`}, []string{`"user authorization required"`}},
		{"bad token", "/api/v1/courses/10/enrollments", "7~bad", 401, []string{"WWW-Authenticate"}, []string{`{"errors":[{"message":"Invalid access token."}]}`}},
		{"not an admin", "/api/v1/courses/10/enrollments", teacher, 401, nil, []string{MsgNotAuthorized}},
		{"unknown course", "/api/v1/courses/99/enrollments", admin, 404, nil, []string{MsgNotFound}},
		{"default page of 10, lower-case link, no last", "/api/v1/courses/10/enrollments", admin, 200,
			[]string{"\r\nlink: <", `rel="next"`, "page=bookmark:", "X-Rate-Limit-Remaining: ", "X-Request-Cost: "}, []string{`"enrollment_state":"active"`}},
		{"courses numbered, no last", "/api/v1/accounts/1/courses?per_page=1", admin, 200, []string{"page=2&per_page=1>; rel=\"next\""}, []string{`"id":10`}},
		{"sub-account courses", "/api/v1/accounts/self/courses", admin, 200, nil, []string{`"id":11`, `"account_id":2`}},
		{"access_token parameter", "/api/v1/users/self?access_token=" + admin, "", 200, nil, []string{`"id":1`}},
		{"bad state", "/api/v1/courses/10/enrollments?state[]=gone", admin, 400, nil, []string{"Invalid state"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, head, body := rawGet(t, s, tc.path, tc.token)
			if code != tc.code {
				t.Errorf("status %d, want %d (%s)", code, tc.code, body)
			}
			for _, h := range tc.header {
				if !strings.Contains(strings.ToLower(head), strings.ToLower(h)) {
					t.Errorf("header block lacks %q:\n%s", h, head)
				}
			}
			if strings.Contains(tc.name, "no last") && (strings.Contains(head, `rel="last"`) || !strings.Contains(head, "\r\nlink: ")) {
				t.Error("these pages must send a lower-case link header without a last link")
			}
			for _, b := range tc.body {
				if !strings.Contains(string(body), b) {
					t.Errorf("body lacks %q: %s", b, body)
				}
			}
		})
	}
}

// Following next links reads every matching enrollment once, in Canvas's
// order, even when the roster changes between pages.
func TestBookmarkPaging(t *testing.T) {
	s := New(Options{District: testDistrict(95)})
	defer s.Close()
	tok := s.AdminToken()
	next := s.URL() + "/api/v1/courses/10/enrollments?per_page=7&state[]=active"
	seen := map[int64]int{}
	pages := 0
	var last string
	for next != "" {
		req, _ := http.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page []enrollmentJSON
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 7 {
			t.Fatalf("page of %d, asked for 7", len(page))
		}
		for _, e := range page {
			seen[e.UserID]++
			if e.User.Email != nil {
				t.Errorf("enrollment %d: the embedded user carries an email", e.ID)
			}
			key := e.Type + "|" + e.User.SortableName
			if key < last {
				t.Errorf("%s after %s: not in Canvas's order", key, last)
			}
			last = key
		}
		pages++
		if pages == 2 { // a new student sorting before the cursor, and one after
			a := s.AddUser(User{Name: "Aaron", SortableName: "000, Aaron"})
			z := s.AddUser(User{Name: "Zed", SortableName: "zzz, Zed"})
			for _, u := range []int64{a, z} {
				if _, err := s.Enroll(10, u, StudentEnrollment, StateActive); err != nil {
					t.Fatal(err)
				}
			}
		}
		next = ""
		for _, l := range resp.Header.Values("Link") {
			for part := range strings.SplitSeq(l, ",") {
				if strings.Contains(part, `rel="next"`) {
					next = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
				}
			}
		}
	}
	want := 1 + 95 - 95/4 + 1 // teacher, active students, and Zed (after the cursor)
	if len(seen) != want {
		t.Errorf("%d distinct users over %d pages, want %d", len(seen), pages, want)
	}
	for u, n := range seen {
		if n > 1 {
			t.Errorf("user %d listed %d times", u, n)
		}
	}
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name   string
		set    func(s *Server)
		code   int
		header string
		body   string
	}{
		{"403 throttle", func(s *Server) { s.RateLimit(Forbidden403, 1) }, 403, "X-Rate-Limit-Remaining: 0.0", MsgRateLimited},
		{"429 throttle", func(s *Server) { s.RateLimit(TooMany429, 1) }, 429, "X-Rate-Limit-Remaining: 0.0", MsgRateLimited429},
		{"500", func(s *Server) { s.ServerErrors(500, 1) }, 500, "application/json", `"error_report_id"`},
		{"502", func(s *Server) { s.ServerErrors(502, 1) }, 502, "text/html", "<html>"},
		{"fail on page 1", func(s *Server) { s.FailOnPage(1, 400) }, 400, "", "page 1 cannot be served"},
		{"empty", func(s *Server) { s.Empty(true) }, 200, "", "[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{District: testDistrict(5), Fidelity: true})
			defer s.Close()
			defer s.Fidelity().Check(t)
			tok := s.AdminToken()
			tc.set(s)
			code, head, body := rawGet(t, s, "/api/v1/courses/10/enrollments", tok)
			if code != tc.code || !strings.Contains(head, tc.header) || !strings.Contains(string(body), tc.body) {
				t.Errorf("got %d %q\n%s", code, body, head)
			}
			if tc.code == 403 || tc.code == 429 {
				if strings.Contains(head, "X-Request-Cost") || !strings.Contains(head, "text/plain") {
					t.Errorf("a throttled answer is plain text without X-Request-Cost:\n%s", head)
				}
			}
			if code2, _, _ := rawGet(t, s, "/api/v1/users/self", tok); code2 != 200 && tc.name != "fail on page 1" {
				t.Errorf("fault did not clear: %d", code2)
			}
		})
	}
}
