package auth

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSecureBehindProxy: the session cookie is Secure and __Host- exactly
// when the browser's connection is TLS, as the policy lets Rollcall know it.
func TestSecureBehindProxy(t *testing.T) {
	proxies, err := NewTLSPolicy("", []string{"10.0.0.5", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	public, err := NewTLSPolicy("https://rollcall.district.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy TLSPolicy
		remote string
		proto  string
		tls    bool
		want   bool
	}{
		{"plain, no policy", TLSPolicy{}, "10.0.0.5:4000", "https", false, false},
		{"direct TLS", TLSPolicy{}, "192.0.2.1:4000", "", true, true},
		{"trusted proxy says https", proxies, "10.0.0.5:4000", "https", false, true},
		{"trusted proxy says HTTPS, chain", proxies, "10.0.0.5:4000", "HTTPS, http", false, true},
		{"trusted IPv6 proxy", proxies, "[fd00::1]:4000", "https", false, true},
		{"trusted proxy says http", proxies, "10.0.0.5:4000", "http", false, false},
		{"trusted proxy, no header", proxies, "10.0.0.5:4000", "", false, false},
		{"untrusted client claims https", proxies, "10.0.0.6:4000", "https", false, false},
		{"public https URL", public, "192.0.2.1:4000", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bool
			var cookie *http.Cookie
			h := Secure(tt.policy, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = IsTLS(r)
				cookie = SessionCookie("v", IsTLS(r), time.Hour)
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Fatalf("IsTLS = %v, want %v", got, tt.want)
			}
			if cookie.Secure != tt.want || strings.HasPrefix(cookie.Name, "__Host-") != tt.want || cookie.Path != "/" || cookie.Domain != "" {
				t.Errorf("cookie %+v: want Secure and __Host- = %v", cookie, tt.want)
			}
		})
	}
}

func TestNewTLSPolicyRefuses(t *testing.T) {
	for _, tt := range []struct {
		url     string
		proxies []string
	}{
		{"javascript:alert(1)", nil},
		{"rollcall.district.org", nil},
		{"", []string{"10.0.0.300"}},
		{"", []string{"proxy.district.org"}},
		{"", []string{"10.0.0.0/40"}},
	} {
		if _, err := NewTLSPolicy(tt.url, tt.proxies); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewTLSPolicy(%q, %q) = %v, want ErrInvalid", tt.url, tt.proxies, err)
		}
	}
}
