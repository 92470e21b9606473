package config

import (
	"slices"
	"strings"
	"testing"
)

// TestPublicURLAndTrustedProxies: the settings that let the session cookie
// be Secure behind a TLS-ending proxy are read, and bad values named.
func TestPublicURLAndTrustedProxies(t *testing.T) {
	good := "http:\n  public_url: https://rollcall.district.org\n  trusted_proxies: [10.0.0.5, 10.1.0.0/16, \"fd00::/8\"]\n"
	c, err := Parse([]byte(good), "r.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.PublicURL != "https://rollcall.district.org" || !slices.Equal(c.HTTP.TrustedProxies, []string{"10.0.0.5", "10.1.0.0/16", "fd00::/8"}) {
		t.Fatalf("http = %+v", c.HTTP)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"http:\n  public_url: javascript:alert(1)\n", "http.public_url"},
		{"http:\n  public_url: rollcall.district.org\n", "http.public_url"},
		{"http:\n  trusted_proxies: [10.0.0.5, proxy.local]\n", "http.trusted_proxies[1]"},
	} {
		_, err := Parse([]byte(bad.yaml), "r.yaml", noEnv)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Parse(%q) = %v, want an error naming %s", bad.yaml, err, bad.want)
		}
	}
}
