package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// token gets an access token with the application's key and secret.
func token(t *testing.T, s *Server) string {
	t.Helper()
	key, secret := s.Credentials()
	req, _ := http.NewRequest("POST", s.URL()+"/learn/api/public/v1/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(key, secret)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok.TokenType != "bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token answer %d %+v %v", resp.StatusCode, tok, err)
	}
	return tok.AccessToken
}

func get(t *testing.T, s *Server, tok, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// Paging follows nextPage to the end, the relative link carrying the
// request's parameters; the last page has no paging member.
func TestMembershipPaging(t *testing.T) {
	s := New(Options{District: Generate(1, 120, 4), Fidelity: true})
	defer s.Close()
	tok := token(t, s)
	path := "/learn/api/public/v1/courses/_100_1/users?expand=user&limit=7"
	seen, pages := 0, 0
	for path != "" {
		resp, b := get(t, s, tok, path)
		if resp.StatusCode != 200 || resp.Header.Get("X-Rate-Limit-Remaining") == "" {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, resp.Header)
		}
		var page struct {
			Results []map[string]any `json:"results"`
			Paging  *struct {
				NextPage string `json:"nextPage"`
			} `json:"paging"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		seen += len(page.Results)
		pages++
		path = ""
		if page.Paging != nil {
			path = page.Paging.NextPage
			u, _ := url.Parse(path)
			if u.IsAbs() || u.Query().Get("expand") != "user" || u.Query().Get("limit") != "7" {
				t.Fatalf("nextPage %q is not a relative path keeping the request's parameters", path)
			}
		}
	}
	if pages < 3 || seen == 0 {
		t.Fatalf("%d pages, %d memberships", pages, seen)
	}
	s.Fidelity().Check(t)
}

// The quota counts every call; once spent Learn answers 429 until the
// window resets, saying when in X-Rate-Limit-Reset.
func TestQuota(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Options{District: Generate(1, 10, 2), Quota: 2, Now: func() time.Time { return now }})
	defer s.Close()
	tok := token(t, s)
	codes := []int{}
	var last *http.Response
	for range 3 {
		last, _ = get(t, s, tok, "/learn/api/public/v3/courses?limit=1")
		codes = append(codes, last.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Fatalf("codes %v, want 200 200 429", codes)
	}
	if got := last.Header.Get("X-Rate-Limit-Reset"); got != "86400" || last.Header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Fatalf("429 headers %v", last.Header)
	}
	now = now.Add(24 * time.Hour)
	if resp, _ := get(t, s, token(t, s), "/learn/api/public/v3/courses?limit=1"); resp.StatusCode != 200 {
		t.Fatalf("after the window: %d", resp.StatusCode)
	}
}

// Expired tokens and wrong secrets are refused as Learn refuses them.
func TestRefusals(t *testing.T) {
	s := New(Options{District: Generate(1, 10, 2)})
	defer s.Close()
	tok := token(t, s)
	s.ExpireTokens()
	if resp, b := get(t, s, tok, "/learn/api/public/v3/courses"); resp.StatusCode != 401 || !strings.Contains(string(b), MsgUnauthorized) {
		t.Fatalf("expired token: %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/learn/api/public/v1/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("wrong", "wrong")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(b), "invalid_client") {
		t.Fatalf("wrong secret: %d %s", resp.StatusCode, b)
	}
}
