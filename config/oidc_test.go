package config

import (
	"strings"
	"testing"
)

func TestOIDCSettings(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "OIDC_SECRET" {
			return "s3cr3t-value", true
		}
		return "", false
	}
	good := "http:\n  oidc:\n    name: Google\n    issuer: https://accounts.google.com\n    client_id: abc\n    client_secret: ${OIDC_SECRET}\n    redirect_url: https://rollcall.district.org/api/v1/oidc/callback\n"
	c, err := Parse([]byte(good), "r.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.OIDC == nil || c.HTTP.OIDC.ClientSecret.Value() != "s3cr3t-value" {
		t.Fatalf("oidc = %+v", c.HTTP.OIDC)
	}
	out, err := c.Redacted()
	if err != nil || strings.Contains(string(out), "s3cr3t-value") {
		t.Fatalf("redacted config shows the client secret (%v):\n%s", err, out)
	}
	for _, bad := range []struct{ yaml, want string }{
		{strings.Replace(good, "https://accounts.google.com", "http://accounts.google.com", 1), "r.yaml:4: http.oidc.issuer"},
		{strings.Replace(good, "    client_id: abc\n", "", 1), "http.oidc.client_id: is required"},
		{strings.Replace(good, "${OIDC_SECRET}", `""`, 1), "r.yaml:6: http.oidc.client_secret"},
		{good + "    scopes: [email]\n", "r.yaml:8: http.oidc.scopes"},
	} {
		_, err := Parse([]byte(bad.yaml), "r.yaml", env)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("error = %v, want it to contain %q", err, bad.want)
		}
	}
}
