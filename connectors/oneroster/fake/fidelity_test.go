package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/oauth1"
)

// token12 gets a OneRoster 1.2 access token with HTTP Basic client
// authentication, as RFC 6749 §2.3.1 has it.
func token12(t *testing.T, s *Server, scope string) (int, string) {
	t.Helper()
	_, _, id, secret := s.Credentials()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, _ := http.NewRequest("POST", s.TokenURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.AccessToken
}

// TestRESTFidelity asks every endpoint of both versions, with paging,
// filters and each error, through the fake's fidelity recorder:
// everything served must be in FIDELITY.md, and every endpoint of the
// table must be exercised.
func TestRESTFidelity(t *testing.T) {
	d := Generate(4, 60, 4)
	s := New(Options{District: d, Fidelity: true})
	defer s.Close()
	code, tok := token12(t, s, ScopeRosterCore)
	if code != 200 || tok == "" {
		t.Fatalf("token: %d", code)
	}
	if code, _ := token12(t, s, "https://example.invalid/scope"); code != 400 {
		t.Errorf("an unknown scope got %d, want 400", code)
	}
	_, demoOnly := token12(t, s, ScopeDemograph)
	school, class, user := d.Schools()[0], "", d.Users[0].SourcedID
	for _, c := range d.Classes {
		if c.School == school {
			class = c.SourcedID
		}
	}
	get := func(tok, path string) int {
		req, _ := http.NewRequest("GET", s.URL()+Base12+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		tok, path string
		code      int
	}{
		{tok, "/users?limit=7&offset=7", 200},
		{tok, "/users?filter=" + url.QueryEscape("status='active' AND role='student'") + "&sort=familyName&orderBy=asc&fields=sourcedId", 200},
		{tok, "/users/" + user, 200},
		{tok, "/orgs", 200},
		{tok, "/orgs/" + school, 200},
		{tok, "/schools", 200},
		{tok, "/schools/" + school, 200},
		{tok, "/classes?limit=2", 200},
		{tok, "/classes/" + class, 200},
		{tok, "/schools/" + school + "/classes", 200},
		{tok, "/classes/" + class + "/students", 200},
		{tok, "/classes/" + class + "/teachers", 200},
		{tok, "/enrollments?limit=5", 200},
		{tok, "/schools/" + school + "/enrollments", 200},
		{tok, "/schools/" + school + "/classes/" + class + "/enrollments", 200},
		{tok, "/users?limit=zero", 400},
		{tok, "/users?filter=" + url.QueryEscape("shoeSize='9'"), 400},
		{tok, "/users/nobody", 404},
		{"", "/users", 401},
		{demoOnly, "/users", 403},
	} {
		if got := get(c.tok, c.path); got != c.code {
			t.Errorf("%s: %d, want %d", c.path, got, c.code)
		}
	}
	s.RateLimit(1)
	if got := get(tok, "/users"); got != 429 {
		t.Errorf("rate limited: %d", got)
	}
	s.ServerErrorsWith(503, 1)
	get(tok, "/users")
	s.ServerErrors(1)
	get(tok, "/users")

	// 1.1: the same reads, signed with OAuth 1.0a HMAC-SHA256.
	key, secret, _, _ := s.Credentials()
	signed := &http.Client{Transport: &oauth1.Signer{Next: http.DefaultTransport, ConsumerKey: key, ConsumerSecret: secret, Method: oauth1.HMACSHA256}}
	get11 := func(c *http.Client, path string) int {
		resp, err := c.Get(s.URL() + Base11 + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		client *http.Client
		path   string
		code   int
	}{
		{signed, "/users?limit=7&offset=7", 200},
		{signed, "/users?filter=" + url.QueryEscape("email~'@'") + "&sort=sourcedId&orderBy=desc&fields=sourcedId,email", 200},
		{signed, "/users/" + user, 200},
		{signed, "/orgs", 200},
		{signed, "/orgs/" + school, 200},
		{signed, "/schools", 200},
		{signed, "/schools/" + school, 200},
		{signed, "/classes", 200},
		{signed, "/classes/" + class, 200},
		{signed, "/schools/" + school + "/classes?limit=1", 200},
		{signed, "/classes/" + class + "/students", 200},
		{signed, "/classes/" + class + "/teachers", 200},
		{signed, "/enrollments?filter=" + url.QueryEscape("role='teacher'"), 200},
		{signed, "/schools/" + school + "/enrollments?limit=3&offset=3", 200},
		{signed, "/schools/" + school + "/classes/" + class + "/enrollments", 200},
		{signed, "/classes/nope", 404},
		{http.DefaultClient, "/users", 401},
	} {
		if got := get11(c.client, c.path); got != c.code {
			t.Errorf("1.1 %s: %d, want %d", c.path, got, c.code)
		}
	}
	s.CheckFidelity(t)
	if unused := s.FidelityRecorder().Unused(); len(unused) > 0 {
		t.Errorf("endpoints of FIDELITY.md never exercised: %v", unused)
	}
}
