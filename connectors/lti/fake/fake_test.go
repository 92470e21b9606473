package fake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestTableParses(t *testing.T) {
	if n := len(Table().Rows); n < 60 {
		t.Fatalf("%d rows: the table is missing most of what the fake serves", n)
	}
}

// The authorization endpoint refuses what LTI's login flow forbids,
// before signing anything.
func TestAuthRefusals(t *testing.T) {
	p := New(Options{Courses: []Course{{ID: "c", Members: []Member{{UserID: "u", Roles: []string{"Learner"}}}}}, Fidelity: true})
	t.Cleanup(func() { p.Close(); p.Fidelity().Check(t) })
	p.RegisterTool(Tool{ClientID: "cid", DeploymentID: "d", RedirectURIs: []string{"https://tool/launch"}})
	good := url.Values{"scope": {"openid"}, "response_type": {"id_token"}, "client_id": {"cid"}, "redirect_uri": {"https://tool/launch"},
		"login_hint": {"u"}, "lti_message_hint": {"c"}, "state": {"s"}, "response_mode": {"form_post"}, "nonce": {"n"}, "prompt": {"none"}}
	cases := []struct {
		name, key, value string
		code             int
	}{
		{"good", "", "", 200},
		{"unregistered redirect", "redirect_uri", "https://evil/launch", 400},
		{"code flow", "response_type", "code", 400},
		{"no openid", "scope", "profile", 400},
		{"no nonce", "nonce", "", 400},
		{"query response", "response_mode", "query", 400},
		{"unknown client", "client_id", "other", 400},
		{"not a member", "login_hint", "stranger", 400},
	}
	for _, tc := range cases {
		q := url.Values{}
		for k, v := range good {
			q[k] = v
		}
		if tc.key != "" {
			q.Set(tc.key, tc.value)
		}
		resp, err := p.Client().Get(p.AuthURL() + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
		if tc.code == 200 && !strings.Contains(string(body), `name="id_token"`) {
			t.Errorf("%s: no id_token form", tc.name)
		}
	}
}

// NRPS pages: default 10, limit capped at 100, Link rel="next" until the
// last page, the container media type.
func TestNRPSPaging(t *testing.T) {
	var members []Member
	for i := range 230 {
		members = append(members, Member{UserID: fmt.Sprint(i), Given: "G", Family: "F", Roles: []string{"Learner"}})
	}
	p := New(Options{Courses: []Course{{ID: "c", Members: members}}, Fidelity: true})
	t.Cleanup(func() { p.Close(); p.Fidelity().Check(t) })
	p.mu.Lock()
	p.tokens["tok"] = accessToken{clientID: "cid", expires: p.now().Add(3600e9)}
	p.mu.Unlock()
	for _, tc := range []struct {
		limit        string
		pages, first int
	}{{"", 23, 10}, {"500", 3, 100}, {"7", 33, 7}} {
		next := p.MembershipsURL("c")
		if tc.limit != "" {
			next += "?limit=" + tc.limit
		}
		pages, total, first := 0, 0, -1
		for next != "" {
			req, _ := http.NewRequest(http.MethodGet, next, nil)
			req.Header.Set("Authorization", "Bearer tok")
			req.Header.Set("Accept", MediaType)
			resp, err := p.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var c struct{ Members []json.RawMessage }
			_ = json.NewDecoder(resp.Body).Decode(&c)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != MediaType {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if first < 0 {
				first = len(c.Members)
			}
			pages++
			total += len(c.Members)
			next = ""
			if l := resp.Header.Get("Link"); l != "" {
				next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
			}
		}
		if pages != tc.pages || total != 230 || first != tc.first {
			t.Errorf("limit %q: %d pages, %d members, first page %d; want %d pages, 230, %d", tc.limit, pages, total, first, tc.pages, tc.first)
		}
	}
}
