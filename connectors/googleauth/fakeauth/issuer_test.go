package fakeauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// The real JWT flow gets a token for granted scopes and a known subject,
// and Google's refusals otherwise; RevokeKeys refuses the key.
func TestIssuer(t *testing.T) {
	iss := NewIssuer(Options{DefaultScopes: []string{"s.read"},
		Subject: func(email string) (any, bool) {
			return strings.HasSuffix(email, "@ok.org"), strings.HasSuffix(email, "@ok.org")
		}})
	srv := httptest.NewServer(iss)
	defer srv.Close()
	iss.SetURL(srv.URL)
	sa, key, err := NewServiceAccount("sa@p.iam.gserviceaccount.com", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	iss.Register(sa)
	cases := []struct {
		name    string
		subject string
		scopes  []string
		revoke  bool
		code    string
	}{
		{"granted", "admin@ok.org", []string{"s.read"}, false, ""},
		{"scope not granted", "admin@ok.org", []string{"s.write"}, false, "unauthorized_client"},
		{"unknown subject", "x@other.org", []string{"s.read"}, false, "invalid_grant"},
		{"revoked key", "admin@ok.org", []string{"s.read"}, true, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.revoke {
				iss.RevokeKeys()
			}
			cfg, err := google.JWTConfigFromJSON(key, tc.scopes...)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Subject = tc.subject
			tok, err := cfg.TokenSource(context.Background()).Token()
			if tc.code != "" {
				var re *oauth2.RetrieveError
				if !errors.As(err, &re) || !strings.Contains(string(re.Body), `"error":"`+tc.code+`"`) {
					t.Fatalf("token = %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/v1/x", nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			got, aerr := iss.Authorize(req)
			if aerr != nil || got.Subject != tc.subject || !got.Allows("s.read") || got.Allows("s.write") || got.Info != true {
				t.Fatalf("Authorize = %+v, %v", got, aerr)
			}
			iss.ExpireTokens()
			if _, aerr := iss.Authorize(req); aerr == nil || aerr.Code != http.StatusUnauthorized {
				t.Errorf("an expired token is still accepted: %v", aerr)
			}
		})
	}
}
