package fakeauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
)

// signAssertion signs claims as a JWS with RS256, its segments padded with
// '=' as google-auth-python 1.5.1 writes them when pad is set.
func signAssertion(t *testing.T, key *rsa.PrivateKey, c Claims, pad bool) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	if pad {
		enc = base64.URLEncoding.EncodeToString
	}
	hdr, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	body, _ := json.Marshal(c)
	input := enc(hdr) + "." + enc(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc(sig)
}

// TestTokenEndpointFidelity serves the issuer through its fidelity
// recorder: the Go JWT flow, padded and unpadded assertions, and each
// refusal; everything served must be in FIDELITY.md. Padded segments are
// accepted, as Google accepts them from google-auth-python.
func TestTokenEndpointFidelity(t *testing.T) {
	iss := NewIssuer(Options{DefaultScopes: []string{"s.read"}})
	rec := Record(iss)
	mux := http.NewServeMux()
	mux.Handle("POST /token", rec)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	iss.SetURL(srv.URL + "/token")
	sa, key, err := NewServiceAccount("sa@p.iam.gserviceaccount.com", srv.URL+"/token")
	if err != nil {
		t.Fatal(err)
	}
	iss.Register(sa)

	cfg, err := google.JWTConfigFromJSON(key, "s.read")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.TokenSource(context.Background()).Token(); err != nil {
		t.Fatalf("the Go JWT flow: %v", err)
	}

	now := time.Now().Unix()
	good := Claims{Iss: sa.Email, Scope: "s.read", Aud: srv.URL + "/token", Iat: now, Exp: now + 3600}
	tampered := signAssertion(t, sa.Key, good, true)
	tampered = tampered[:len(tampered)-8] + "AAAAAA=="
	cases := []struct {
		name      string
		form      url.Values
		wantError string // "" for a token
	}{
		{"padded segments", url.Values{"grant_type": {JWTBearerGrant}, "assertion": {signAssertion(t, sa.Key, good, true)}}, ""},
		{"unpadded segments", url.Values{"grant_type": {JWTBearerGrant}, "assertion": {signAssertion(t, sa.Key, good, false)}}, ""},
		{"padded, bad signature", url.Values{"grant_type": {JWTBearerGrant}, "assertion": {tampered}}, "invalid_grant"},
		{"scope not granted", url.Values{"grant_type": {JWTBearerGrant}, "assertion": {signAssertion(t, sa.Key, Claims{Iss: sa.Email, Scope: "s.write", Aud: good.Aud, Iat: now, Exp: now + 3600}, true)}}, "unauthorized_client"},
		{"two hours", url.Values{"grant_type": {JWTBearerGrant}, "assertion": {signAssertion(t, sa.Key, Claims{Iss: sa.Email, Scope: "s.read", Aud: good.Aud, Iat: now, Exp: now + 7200}, false)}}, "invalid_grant"},
		{"no scope", url.Values{"grant_type": {JWTBearerGrant}, "assertion": {signAssertion(t, sa.Key, Claims{Iss: sa.Email, Aud: good.Aud, Iat: now, Exp: now + 3600}, false)}}, "invalid_scope"},
		{"other grant", url.Values{"grant_type": {"client_credentials"}}, "unsupported_grant_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.PostForm(srv.URL+"/token", tc.form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if tc.wantError == "" {
				if resp.StatusCode != 200 || !strings.HasPrefix(body["access_token"].(string), "ya29.") {
					t.Fatalf("%d %v, want a token", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != 400 || body["error"] != tc.wantError {
				t.Fatalf("%d %v, want 400 %s", resp.StatusCode, body, tc.wantError)
			}
		})
	}
	rec.Check(t)
	if u := rec.Unused(); len(u) > 0 {
		t.Errorf("endpoints never exercised: %v", u)
	}
}

// A recorder over a table that lacks a field the endpoint serves fails:
// the check can fail.
func TestTokenEndpointFidelityCatchesExtraField(t *testing.T) {
	rec := Record(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"x","id_token":"y"}`))
	}))
	req := httptest.NewRequest("POST", "/token", strings.NewReader("grant_type=x&client_id=z"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec.ServeHTTP(httptest.NewRecorder(), req)
	var got []string
	for _, v := range rec.Violations() {
		got = append(got, v.String())
	}
	want := []string{`field "id_token" on POST /token`, `param "client_id" on POST /token`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("violations %q, want %q", got, want)
	}
}
