package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// TestSessionCookieBehindTLSProxy: behind a proxy that ends TLS and is
// trusted to say so, signing in sets a Secure __Host- cookie that then
// signs requests in; the same header from an untrusted address does not.
func TestSessionCookieBehindTLSProxy(t *testing.T) {
	f := newFixture(t)
	api := New(Options{Store: f.store, Auth: f.auth, Syncs: f.syncs})
	for _, tt := range []struct {
		name    string
		proxies []string
		secure  bool
	}{
		{"trusted proxy", []string{"127.0.0.1"}, true},
		{"untrusted address", []string{"10.9.9.9"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			policy, err := auth.NewTLSPolicy("", tt.proxies)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(auth.Secure(policy, api))
			defer srv.Close()
			req, _ := http.NewRequest("POST", srv.URL+Prefix+"/session", strings.NewReader(`{"token":"`+f.tokens[rAdminA]+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cookies := resp.Cookies()
			if resp.StatusCode != 200 || len(cookies) != 1 {
				t.Fatalf("sign in: %d, cookies %v", resp.StatusCode, cookies)
			}
			c := cookies[0]
			if c.Secure != tt.secure || strings.HasPrefix(c.Name, "__Host-") != tt.secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
				t.Fatalf("cookie %+v: want Secure and __Host- = %v", c, tt.secure)
			}
			me, _ := http.NewRequest("GET", srv.URL+Prefix+"/me", nil)
			me.Header.Set("X-Forwarded-Proto", "https")
			me.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			mr, err := http.DefaultClient.Do(me)
			if err != nil {
				t.Fatal(err)
			}
			mr.Body.Close()
			if mr.StatusCode != 200 {
				t.Fatalf("the cookie does not sign in: %d", mr.StatusCode)
			}
		})
	}
}
