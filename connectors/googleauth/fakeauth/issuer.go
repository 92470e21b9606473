package fakeauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// JWTBearerGrant is the grant_type of the service-account flow.
const JWTBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// Google's words for the refusals the connectors' errors must carry.
const (
	MsgBadSignature = "Invalid JWT Signature."
	MsgBadTimes     = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	MsgUnauthorized = "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."
)

// Token is an access token the issuer handed out.
type Token struct {
	Subject string
	Scopes  []string
	Expiry  time.Time
	// Info is what the Subject hook said about the subject when the token
	// was issued (an API fake's standing of the user, such as admin).
	Info any
}

// Allows reports whether the token's scopes include any of want.
func (t *Token) Allows(want ...string) bool {
	for _, w := range want {
		if slices.Contains(t.Scopes, w) {
			return true
		}
	}
	return false
}

// Options configure an Issuer.
type Options struct {
	// TTL is the lifetime of issued tokens; zero: 3599 s, as Google.
	TTL time.Duration
	// Now is the clock for token lifetimes; nil: time.Now.
	Now func() time.Time
	// DefaultScopes are granted by Register when it names none.
	DefaultScopes []string
	// Subject looks up the user a token impersonates; ok false refuses the
	// assertion with invalid_grant. nil accepts any subject.
	Subject func(email string) (info any, ok bool)
}

// Issuer is Google's OAuth 2.0 token endpoint for service accounts, and
// the bearer-token check of the API it fronts. Safe for concurrent use.
type Issuer struct {
	o Options

	mu       sync.RWMutex
	url      string
	accounts map[string]*registered
	tokens   map[string]*Token

	requests, refused atomic.Int64
}

type registered struct {
	pub     *rsa.PublicKey
	scopes  []string // the domain-wide delegation grant
	revoked bool     // the key was deleted: its signatures no longer verify
}

// NewIssuer returns an issuer with no accounts. Serve it at a URL and tell
// it that URL with SetURL: assertions must name it as their audience.
func NewIssuer(o Options) *Issuer {
	if o.TTL <= 0 {
		o.TTL = 3599 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Issuer{o: o, accounts: map[string]*registered{}, tokens: map[string]*Token{}}
}

// SetURL sets the token URL, the audience assertions must name.
func (i *Issuer) SetURL(u string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.url = u
}

// URL is the token URL.
func (i *Issuer) URL() string {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.url
}

// Register makes the issuer accept assertions signed by sa's key, granting
// it scopes by domain-wide delegation (none: Options.DefaultScopes). A
// later Register of the same email replaces the key and the grant.
func (i *Issuer) Register(sa *ServiceAccount, scopes ...string) {
	if len(scopes) == 0 {
		scopes = i.o.DefaultScopes
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.accounts[sa.Email] = &registered{pub: &sa.Key.PublicKey, scopes: slices.Clone(scopes)}
}

// RevokeKeys makes every registered key fail, as Google answers a key
// deleted in the Cloud console: invalid_grant, MsgBadSignature. Tokens
// already issued live on until they expire (see ExpireTokens).
func (i *Issuer) RevokeKeys() {
	i.mu.Lock()
	defer i.mu.Unlock()
	for email, a := range i.accounts {
		i.accounts[email] = &registered{pub: a.pub, scopes: a.scopes, revoked: true}
	}
}

// Counts returns how many token requests arrived, and how many of them
// were refused.
func (i *Issuer) Counts() (requests, refused int64) { return i.requests.Load(), i.refused.Load() }

// ServeHTTP is the token endpoint (POST only; route it so).
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i.requests.Add(1)
	if err := r.ParseForm(); err != nil {
		i.refused.Add(1)
		WriteOAuthError(w, 400, "invalid_request", "Could not parse the request body.")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != JWTBearerGrant {
		i.refused.Add(1)
		WriteOAuthError(w, 400, "unsupported_grant_type", "Invalid grant_type: "+g)
		return
	}
	code, errCode, desc, tok := i.exchange(r.PostForm.Get("assertion"))
	if errCode != "" {
		i.refused.Add(1)
		WriteOAuthError(w, code, errCode, desc)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok,
		"expires_in":   int(i.o.TTL / time.Second),
		"token_type":   "Bearer",
	})
}

// Claims are the claims of a service account's assertion.
type Claims struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
}

// exchange checks an assertion and issues a token, or says why not.
func (i *Issuer) exchange(assertion string) (code int, errCode, desc, token string) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return 400, "invalid_grant", "Invalid JWT: malformed assertion.", ""
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var c Claims
	if decodeSegment(parts[0], &hdr) != nil || decodeSegment(parts[1], &c) != nil {
		return 400, "invalid_grant", "Invalid JWT: malformed assertion.", ""
	}
	i.mu.RLock()
	acct, aud := i.accounts[c.Iss], i.url
	i.mu.RUnlock()
	if acct == nil {
		return 400, "invalid_grant", "Invalid grant: account not found", ""
	}
	sig, err := decodeB64(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || hdr.Alg != "RS256" || acct.revoked || rsa.VerifyPKCS1v15(acct.pub, crypto.SHA256, sum[:], sig) != nil {
		return 400, "invalid_grant", MsgBadSignature, ""
	}
	if c.Aud != aud {
		return 400, "invalid_grant", "Invalid JWT: Failed audience check.", ""
	}
	now := i.o.Now().Unix()
	if c.Exp-c.Iat > 3600 || c.Exp <= now || c.Iat > now+300 || c.Exp < c.Iat {
		return 400, "invalid_grant", MsgBadTimes, ""
	}
	scopes := strings.Fields(c.Scope)
	if len(scopes) == 0 {
		return 400, "invalid_scope", "Empty or missing scope not allowed.", ""
	}
	for _, sc := range scopes {
		if !slices.Contains(acct.scopes, sc) {
			return 400, "unauthorized_client", MsgUnauthorized, ""
		}
	}
	var info any
	if c.Sub != "" && i.o.Subject != nil {
		var ok bool
		if info, ok = i.o.Subject(c.Sub); !ok {
			return 400, "invalid_grant", "Invalid email or User ID", ""
		}
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	token = "ya29.fake-" + base64.RawURLEncoding.EncodeToString(raw)
	i.mu.Lock()
	i.tokens[token] = &Token{Subject: c.Sub, Scopes: scopes, Expiry: i.o.Now().Add(i.o.TTL), Info: info}
	i.mu.Unlock()
	return 200, "", "", token
}

// decodeB64 decodes a JWS segment in base64url, with or without the '='
// padding: RFC 7515 leaves it out, but google-auth-python sent it until
// its 2019 change (pull request #324) and Debian's python3-google-auth
// 1.5.1 still does; those clients sign in to Google, whose token
// endpoint accepts those assertions. The signature is checked over the
// segments as received, padding and all.
func decodeB64(seg string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
}

func decodeSegment(seg string, v any) error {
	b, err := decodeB64(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ExpireTokens makes every token issued so far expire now: the next API
// call with one is answered 401, as Google answers a token that lapsed
// while the client still believed it valid.
func (i *Issuer) ExpireTokens() {
	i.mu.Lock()
	defer i.mu.Unlock()
	past := i.o.Now().Add(-time.Second)
	for _, t := range i.tokens {
		t.Expiry = past
	}
}

// Authorize returns the live token of an API request, or the 401 to send.
func (i *Issuer) Authorize(r *http.Request) (*Token, *Error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, Unauthenticated()
	}
	i.mu.RLock()
	t := i.tokens[tok]
	var live bool
	if t != nil {
		live = i.o.Now().Before(t.Expiry)
	}
	i.mu.RUnlock()
	if !live {
		return nil, Unauthenticated()
	}
	return t, nil
}
