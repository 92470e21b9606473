package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// provider is a small OpenID Connect provider: discovery, JWKS, authorize
// and token endpoints, RS256 ID tokens. Its switches make it misbehave the
// ways a relying party must catch.
type provider struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu            sync.Mutex
	email         string
	verified      bool
	wrongNonce    bool
	wrongKey      bool
	wrongAudience bool
	codes         map[string]grant
}

type grant struct {
	nonce, challenge, redirect string
}

const (
	clientID     = "rollcall-test"
	clientSecret = "s3cret-client"
)

func newProvider(t *testing.T) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{t: t, key: key, email: "ann@north.org", verified: true, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) discovery(w http.ResponseWriter, _ *http.Request) {
	u := p.srv.URL
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token", "jwks_uri": u + "/jwks",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (p *provider) jwks(w http.ResponseWriter, _ *http.Request) {
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": b64(p.key.N.Bytes()), "e": b64(big.NewInt(int64(p.key.E)).Bytes()),
	}}})
}

func (p *provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || !strings.Contains(q.Get("scope"), "openid") {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := randomString(16)
	p.mu.Lock()
	p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	p.mu.Unlock()
	u, _ := url.Parse(q.Get("redirect_uri"))
	u.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.mu.Lock()
	g, found := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code"))
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	w.Header().Set("Content-Type", "application/json")
	switch {
	case id != clientID || secret != clientSecret:
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
		return
	case !found || g.redirect != r.PostForm.Get("redirect_uri") || b64(sum[:]) != g.challenge:
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	p.mu.Lock()
	nonce, aud := g.nonce, clientID
	if p.wrongNonce {
		nonce = "other"
	}
	if p.wrongAudience {
		aud = "someone-else"
	}
	claims := map[string]any{"iss": p.srv.URL, "sub": "u1", "aud": aud, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		"nonce": nonce, "email": p.email, "email_verified": p.verified}
	key := p.key
	if p.wrongKey {
		key, _ = rsa.GenerateKey(rand.Reader, 2048)
	}
	p.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": signJWT(p.t, key, claims)})
}

func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	c, _ := json.Marshal(claims)
	signing := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64(sig)
}

// relyingParty serves /login and /callback with an OIDC over a fresh store.
type relyingParty struct {
	srv   *httptest.Server
	store *Store
	last  chan result
}

type result struct {
	p      Principal
	ret    string
	err    error
	cookie string
}

func newRelyingParty(t *testing.T, prov *provider) *relyingParty {
	store, _ := openTest(t)
	rp := &relyingParty{store: store, last: make(chan result, 1)}
	mux := http.NewServeMux()
	rp.srv = httptest.NewServer(mux)
	t.Cleanup(rp.srv.Close)
	o, err := NewOIDC(context.Background(), OIDCConfig{
		Issuer: prov.srv.URL, ClientID: clientID, ClientSecret: clientSecret, RedirectURL: rp.srv.URL + "/callback",
		AllowedDomains: []string{"north.org", "district.org"}, Operators: []string{"Boss@District.org"},
	}, store)
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if err := o.Start(w, r, r.URL.Query().Get("return")); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		p, ret, err := o.Finish(w, r)
		res := result{p: p, ret: ret, err: err}
		for _, line := range w.Header()["Set-Cookie"] {
			if strings.HasPrefix(line, CookieName(false)+"=") {
				res.cookie = strings.TrimPrefix(strings.SplitN(line, ";", 2)[0], CookieName(false)+"=")
			}
		}
		rp.last <- res
	})
	return rp
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func (rp *relyingParty) signIn(t *testing.T, c *http.Client, ret string) result {
	t.Helper()
	resp, err := c.Get(rp.srv.URL + "/login?return=" + url.QueryEscape(ret))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in ended with %s at %s", resp.Status, resp.Request.URL)
	}
	return <-rp.last
}

func TestOIDCSignIn(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(*provider)
		ret      string
		wantRole Role
		wantRet  string
		wantErr  error
	}{
		{name: "admin", ret: "/licenses/x", wantRole: RoleAdmin, wantRet: "/licenses/x"},
		{name: "operator by config", setup: func(p *provider) { p.email = "boss@district.org" }, wantRole: RoleOperator, wantRet: "/"},
		{name: "open redirect refused", ret: "//evil.example/x", wantRole: RoleAdmin, wantRet: "/"},
		{name: "domain not allowed", setup: func(p *provider) { p.email = "eve@gmail.com" }, wantErr: ErrForbidden},
		{name: "email not verified", setup: func(p *provider) { p.verified = false }, wantErr: ErrUnauthenticated},
		{name: "nonce mismatch", setup: func(p *provider) { p.wrongNonce = true }, wantErr: ErrUnauthenticated},
		{name: "signed by another key", setup: func(p *provider) { p.wrongKey = true }, wantErr: ErrUnauthenticated},
		{name: "token for another client", setup: func(p *provider) { p.wrongAudience = true }, wantErr: ErrUnauthenticated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prov := newProvider(t)
			if tc.setup != nil {
				tc.setup(prov)
			}
			rp := newRelyingParty(t, prov)
			res := rp.signIn(t, browser(t), tc.ret)
			if tc.wantErr != nil {
				if !errors.Is(res.err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", res.err, tc.wantErr)
				}
				if res.cookie != "" {
					t.Error("a failed sign-in set a session cookie")
				}
				return
			}
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.p.Role != tc.wantRole || res.p.Via != ViaOIDC || res.ret != tc.wantRet {
				t.Errorf("principal %+v, return %q", res.p, res.ret)
			}
			got, err := rp.store.Session(context.Background(), res.cookie)
			if err != nil || got != res.p {
				t.Errorf("session from cookie = %+v, %v", got, err)
			}
		})
	}
}

func TestOIDCStateChecks(t *testing.T) {
	prov := newProvider(t)
	rp := newRelyingParty(t, prov)
	ann := browser(t)
	// Stop at the callback URL so it can be replayed and carried elsewhere.
	ann.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rp.srv.URL+"/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := ann.Get(rp.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, rp.srv.URL+"/callback") {
		t.Fatalf("provider sent the browser to %q", callback)
	}

	// Another browser (no binding cookie) cannot finish Ann's sign-in.
	if _, err := browser(t).Get(callback); err != nil {
		t.Fatal(err)
	}
	if res := <-rp.last; !errors.Is(res.err, ErrUnauthenticated) {
		t.Errorf("callback in another browser: %v", res.err)
	}
	// A forged state is refused even with the cookie.
	u, _ := url.Parse(callback)
	q := u.Query()
	q.Set("state", "forged")
	u.RawQuery = q.Encode()
	if _, err := ann.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	if res := <-rp.last; !errors.Is(res.err, ErrUnauthenticated) {
		t.Errorf("forged state: %v", res.err)
	}
	// Ann finishes her own sign-in once; replaying the callback fails.
	if _, err := ann.Get(callback); err != nil {
		t.Fatal(err)
	}
	if res := <-rp.last; res.err != nil || res.p.Email != "ann@north.org" {
		t.Fatalf("Ann's sign-in: %+v", res)
	}
	if _, err := ann.Get(callback); err != nil {
		t.Fatal(err)
	}
	if res := <-rp.last; !errors.Is(res.err, ErrUnauthenticated) {
		t.Errorf("replayed callback: %v", res.err)
	}
}
