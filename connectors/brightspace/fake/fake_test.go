package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func grant(t *testing.T, s *Server, refresh string, basic bool) (int, map[string]any) {
	t.Helper()
	id, secret := s.ClientCredentials()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	if !basic {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, _ := http.NewRequest("POST", s.TokenURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(id, secret)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// Refresh tokens are single use, and the client may authenticate in the
// form or with HTTP Basic (the fake is as lenient as an OAuth 2 server).
func TestRefreshTokensRotate(t *testing.T) {
	s := New(Options{District: Generate(1, 10, 2), Fidelity: true})
	defer s.Close()
	seed := s.IssueRefreshToken(AdminUser)
	code, first := grant(t, s, seed, true)
	if code != 200 || first["refresh_token"] == "" || first["refresh_token"] == seed {
		t.Fatalf("first grant %d %v", code, first)
	}
	if code, out := grant(t, s, seed, false); code != 400 || out["error"] != ErrInvalidGrant {
		t.Fatalf("spent refresh token: %d %v", code, out)
	}
	if code, _ := grant(t, s, first["refresh_token"].(string), false); code != 200 {
		t.Fatalf("the rotated token (form auth): %d", code)
	}
	if s.LiveRefreshTokens() != 1 {
		t.Fatalf("%d live refresh tokens", s.LiveRefreshTokens())
	}
	s.Fidelity().Check(t)
}

// Bookmark paging at the server's page size; inactive users only without
// isActive=true; hidden roles vanish without an error.
func TestEnrollmentPaging(t *testing.T) {
	s := New(Options{District: Generate(2, 200, 4), PageSize: 9, Fidelity: true})
	defer s.Close()
	_, tok := grant(t, s, s.IssueRefreshToken(AdminUser), true)
	at := tok["access_token"].(string)
	list := func(query string) (items int, pages int) {
		bookmark := ""
		for {
			q, _ := url.ParseQuery(query)
			if bookmark != "" {
				q.Set("bookmark", bookmark)
			}
			req, _ := http.NewRequest("GET", s.URL()+"/d2l/api/lp/1.47/enrollments/orgUnits/10001/users/?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+at)
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Request-Cost") != "10" {
				t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
			}
			var page struct {
				PagingInfo struct {
					Bookmark     string
					HasMoreItems bool
				}
				Items []json.RawMessage
			}
			if err := json.Unmarshal(b, &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Items) > 9 {
				t.Fatalf("%d items on a page of 9", len(page.Items))
			}
			items += len(page.Items)
			pages++
			if !page.PagingInfo.HasMoreItems {
				return items, pages
			}
			bookmark = page.PagingInfo.Bookmark
		}
	}
	all, pages := list("")
	active, _ := list("isActive=true")
	if pages < 3 || active >= all {
		t.Fatalf("all %d in %d pages, active %d: inactive users were not told apart", all, pages, active)
	}
	s.HideRoles(RoleLearner)
	if staff, _ := list("isActive=true"); staff >= active || staff == 0 {
		t.Fatalf("with learners hidden: %d of %d", staff, active)
	}
	s.Fidelity().Check(t)
}
