package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// get sends one request with tok and returns status, headers and body.
func get(t *testing.T, s *Server, tok, path string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type listAnswer struct {
	Data []struct {
		Data map[string]any `json:"data"`
		URI  string         `json:"uri"`
	} `json:"data"`
	Links []struct{ Rel, URI string } `json:"links"`
}

func (l listAnswer) next() string {
	for _, k := range l.Links {
		if k.Rel == "next" {
			return k.URI
		}
	}
	return ""
}

func newServer(t *testing.T, d *District, opts Options) *Server {
	t.Helper()
	opts.District = d
	opts.Fidelity = true
	s := New(opts)
	t.Cleanup(func() {
		s.Close()
		s.Fidelity().Check(t)
	})
	return s
}

func TestTableParses(t *testing.T) {
	tb := Table()
	if len(tb.Rows) < 50 {
		t.Fatalf("%d rows: the table is missing most of what the fake serves", len(tb.Rows))
	}
}

// Paging: ascending ids, a next link on every full page, so an exact
// multiple of the limit ends with an empty page reached through a link;
// the records sit under data[].data.
func TestPagingEndsWithEmptyPage(t *testing.T) {
	d := Generate(1, 120, 2)
	s := newServer(t, d, Options{})
	tok := s.DistrictToken()
	var students int
	for _, u := range d.Users {
		if u.Student != nil {
			students++
		}
	}
	limit := 0
	for l := 2; l <= 10; l++ {
		if students%l == 0 {
			limit = l
			break
		}
	}
	if limit == 0 {
		t.Fatalf("%d students: no limit of 2-10 divides it", students)
	}
	path := "/v3.0/users?role=student&limit=" + itoa(limit)
	var ids []string
	pages, empty := 0, 0
	for path != "" {
		code, _, body := get(t, s, tok, path)
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		var a listAnswer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		pages++
		if len(a.Data) == 0 {
			empty++
		}
		for _, it := range a.Data {
			id, _ := it.Data["id"].(string)
			if it.URI != "/v3.0/users/"+id {
				t.Fatalf("uri %q for id %q", it.URI, id)
			}
			ids = append(ids, id)
		}
		path = a.next()
		if path != "" && !strings.HasPrefix(path, "/v3.0/users?") {
			t.Fatalf("next link %q is not relative to the API", path)
		}
	}
	if len(ids) != students {
		t.Fatalf("%d students paged, want %d", len(ids), students)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Fatalf("ids not ascending at %d: %s, %s", i, ids[i-1], ids[i])
		}
	}
	if empty != 1 || pages != students/limit+1 {
		t.Fatalf("%d pages (%d empty) for %d at %d a page: want a final empty page", pages, empty, students, limit)
	}
}

// Clever's error answers: 401 JSON for a bad token, HTML for a user
// token, 413 above limit 10000, 400 for a bad role, 404 for a record not
// shared.
func TestErrors(t *testing.T) {
	s := newServer(t, Generate(2, 40, 1), Options{})
	tok := s.DistrictToken()
	cases := []struct {
		name, tok, path string
		code            int
		html            bool
	}{
		{"no token", "", "/v3.0/users", 401, false},
		{"unknown token", "nope", "/v3.0/users", 401, false},
		{"instant login token", s.InstantLoginToken(), "/v3.0/users", 401, true},
		{"limit too big", tok, "/v3.0/users?limit=10001", 413, false},
		{"limit at the cap", tok, "/v3.0/users?limit=10000", 200, false},
		{"bad limit", tok, "/v3.0/users?limit=0", 400, false},
		{"bad role", tok, "/v3.0/users?role=parent", 400, false},
		{"not shared", tok, "/v3.0/users/" + ObjectID(KindUser, 999999), 404, false},
		{"unknown version", tok, "/v2.9/users", 404, false},
		{"v3.1", tok, "/v3.1/users", 200, false},
	}
	for _, tc := range cases {
		code, h, body := get(t, s, tc.tok, tc.path)
		if code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.code)
		}
		isHTML := strings.HasPrefix(h.Get("Content-Type"), "text/html")
		if isHTML != tc.html {
			t.Errorf("%s: Content-Type %q", tc.name, h.Get("Content-Type"))
		}
		if code >= 400 && !tc.html {
			var m struct{ Message string }
			if json.Unmarshal(body, &m) != nil || m.Message == "" {
				t.Errorf("%s: error body %s has no message", tc.name, body)
			}
		}
	}
}

// The rate limit is a fixed window per token: the limit's worth of
// requests pass, the next is a 429 whose X-RateLimit-Reset is the
// window's end, and the window's end lets requests through again.
func TestRateLimitWindow(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2030, 1, 1, 10, 0, 20, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newServer(t, Generate(3, 30, 1), Options{Now: clock, RateLimit: 5})
	tok, other := s.DistrictToken(), s.DistrictToken()
	for i := range 5 {
		code, h, _ := get(t, s, tok, "/v3.0/districts")
		if code != 200 || h.Get("X-RateLimit-Remaining") != itoa(4-i) || h.Get("X-RateLimit-Limit") != "5" {
			t.Fatalf("request %d: %d, remaining %q", i+1, code, h.Get("X-RateLimit-Remaining"))
		}
	}
	code, h, _ := get(t, s, tok, "/v3.0/districts")
	wantReset := itoa(int(time.Date(2030, 1, 1, 10, 1, 0, 0, time.UTC).Unix()))
	if code != 429 || h.Get("X-RateLimit-Reset") != wantReset {
		t.Fatalf("6th request: %d reset %q, want 429 reset %s", code, h.Get("X-RateLimit-Reset"), wantReset)
	}
	if code, _, _ := get(t, s, other, "/v3.0/districts"); code != 200 {
		t.Fatalf("another token shares the window: %d", code)
	}
	mu.Lock()
	now = now.Add(40 * time.Second)
	mu.Unlock()
	if code, _, _ := get(t, s, tok, "/v3.0/districts"); code != 200 {
		t.Fatalf("after the reset: %d", code)
	}
}

// Multi-role users appear in every role-filtered list of a role they
// hold; contacts are in no section's users.
func TestRolesAndContacts(t *testing.T) {
	d := Generate(4, 300, 2)
	s := newServer(t, d, Options{})
	tok := s.DistrictToken()
	listIDs := func(path string) map[string]bool {
		out := map[string]bool{}
		code, _, body := get(t, s, tok, path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		var a listAnswer
		_ = json.Unmarshal(body, &a)
		for _, it := range a.Data {
			out[it.Data["id"].(string)] = true
		}
		return out
	}
	teachers, staff := listIDs("/v3.0/users?role=teacher&limit=10000"), listIDs("/v3.0/users?role=staff&limit=10000")
	both := 0
	for id := range staff {
		if teachers[id] {
			both++
		}
	}
	if both == 0 {
		t.Fatal("no user is in both the teacher and the staff list")
	}
	contacts := listIDs("/v3.0/users?role=contact&limit=10000")
	if len(contacts) == 0 {
		t.Fatal("no contacts generated")
	}
	for _, sec := range d.Sections {
		for id := range listIDs("/v3.0/sections/" + sec.ID + "/users?limit=10000") {
			if contacts[id] {
				t.Fatalf("contact %s is a member of section %s", id, sec.ID)
			}
		}
	}
	noEmail := 0
	for _, u := range d.Users {
		if u.Email == "" {
			noEmail++
		}
	}
	if noEmail == 0 {
		t.Fatal("every generated user has an email")
	}
}
