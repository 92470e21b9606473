package fake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Scopes the fake knows, with the read-only ones a district grants Rollcall.
const (
	ScopeUserReadonly    = "https://www.googleapis.com/auth/admin.directory.user.readonly"
	ScopeOrgUnitReadonly = "https://www.googleapis.com/auth/admin.directory.orgunit.readonly"
	ScopeRoleReadonly    = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly"
	ScopeUser            = "https://www.googleapis.com/auth/admin.directory.user"
	ScopeOrgUnit         = "https://www.googleapis.com/auth/admin.directory.orgunit"
	ScopeRole            = "https://www.googleapis.com/auth/admin.directory.rolemanagement"

	jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// ReadOnlyScopes are the scopes domain-wide delegation grants a service
// account by default in the fake.
func ReadOnlyScopes() []string {
	return []string{ScopeUserReadonly, ScopeOrgUnitReadonly, ScopeRoleReadonly}
}

// ServiceAccount is a service account with its RSA key. Its key exists
// only in memory; the JSON key file is built on request.
type ServiceAccount struct {
	Email string
	KeyID string
	key   *rsa.PrivateKey
}

// NewServiceAccount generates a 2048-bit RSA key for email and returns the
// account with its JSON key file, token_uri set to tokenURI. The account is
// not known to any server until registered with Server.Register.
func NewServiceAccount(email, tokenURI string) (*ServiceAccount, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("fake: generate service account key: %w", err)
	}
	kid := make([]byte, 20)
	_, _ = rand.Read(kid)
	sa := &ServiceAccount{Email: email, KeyID: hex.EncodeToString(kid), key: key}
	file, err := sa.KeyFile(tokenURI)
	return sa, file, err
}

// KeyFile returns the account's JSON key file in Google's format.
func (sa *ServiceAccount) KeyFile(tokenURI string) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(sa.key)
	if err != nil {
		return nil, fmt.Errorf("fake: encode service account key: %w", err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  "rollcall-fake",
		"private_key_id":              sa.KeyID,
		"private_key":                 string(pemKey),
		"client_email":                sa.Email,
		"client_id":                   "100000000000000000001",
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"universe_domain":             "googleapis.com",
	}, "", "  ")
}

type registered struct {
	pub    *rsa.PublicKey
	scopes []string // the domain-wide delegation grant
}

// Register makes the server accept assertions signed by sa's key, granting
// it scopes by domain-wide delegation (none given: ReadOnlyScopes). A
// later Register of the same email replaces the key and grant.
func (s *Server) Register(sa *ServiceAccount, scopes ...string) {
	if len(scopes) == 0 {
		scopes = ReadOnlyScopes()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[sa.Email] = &registered{pub: &sa.key.PublicKey, scopes: slices.Clone(scopes)}
}

// NewServiceAccount generates, registers (with ReadOnlyScopes) and returns
// the JSON key file of a service account whose token_uri is this server.
func (s *Server) NewServiceAccount() ([]byte, error) {
	sa, file, err := NewServiceAccount("rollcall-sync@rollcall-fake.iam.gserviceaccount.com", s.TokenURL())
	if err != nil {
		return nil, err
	}
	s.Register(sa)
	return file, nil
}

type issuedToken struct {
	subject string
	// admin is the subject's standing when the token was issued, as
	// Google's own tokens carry it; looking it up per call would scan.
	admin  bool
	scopes []string
	expiry time.Time
}

type jwtClaims struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
}

const (
	msgBadSignature = "Invalid JWT Signature."
	msgBadTimes     = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	msgUnauthorized = "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."
)

// serveToken is Google's OAuth 2.0 token endpoint for the JWT bearer grant.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.count.token.Add(1)
	if err := r.ParseForm(); err != nil {
		s.count.tokenRefused.Add(1)
		writeOAuthError(w, 400, "invalid_request", "Could not parse the request body.")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		s.count.tokenRefused.Add(1)
		writeOAuthError(w, 400, "unsupported_grant_type", "Invalid grant_type: "+g)
		return
	}
	code, errCode, desc, tok := s.exchange(r.PostForm.Get("assertion"))
	if errCode != "" {
		s.count.tokenRefused.Add(1)
		writeOAuthError(w, code, errCode, desc)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok,
		"expires_in":   int(s.tokenTTL / time.Second),
		"token_type":   "Bearer",
	})
}

// exchange checks an assertion and issues a token, or says why not.
func (s *Server) exchange(assertion string) (code int, errCode, desc, token string) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return 400, "invalid_grant", "Invalid JWT: malformed assertion.", ""
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var c jwtClaims
	if decodeSegment(parts[0], &hdr) != nil || decodeSegment(parts[1], &c) != nil {
		return 400, "invalid_grant", "Invalid JWT: malformed assertion.", ""
	}
	s.mu.RLock()
	acct := s.accounts[c.Iss]
	s.mu.RUnlock()
	if acct == nil {
		return 400, "invalid_grant", "Invalid grant: account not found", ""
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || hdr.Alg != "RS256" || rsa.VerifyPKCS1v15(acct.pub, crypto.SHA256, sum[:], sig) != nil {
		return 400, "invalid_grant", msgBadSignature, ""
	}
	if c.Aud != s.TokenURL() {
		return 400, "invalid_grant", "Invalid JWT: Failed audience check.", ""
	}
	now := s.now().Unix()
	if c.Exp-c.Iat > 3600 || c.Exp <= now || c.Iat > now+300 || c.Exp < c.Iat {
		return 400, "invalid_grant", msgBadTimes, ""
	}
	scopes := strings.Fields(c.Scope)
	if len(scopes) == 0 {
		return 400, "invalid_scope", "Empty or missing scope not allowed.", ""
	}
	for _, sc := range scopes {
		if !slices.Contains(acct.scopes, sc) {
			return 400, "unauthorized_client", msgUnauthorized, ""
		}
	}
	admin := false
	if c.Sub != "" {
		s.mu.RLock()
		i, ok := s.findEmail(c.Sub)
		if ok {
			u := &s.d.Users[i]
			admin = u.IsAdmin || s.delegate[u.ID]
		}
		s.mu.RUnlock()
		if !ok {
			return 400, "invalid_grant", "Invalid email or User ID", ""
		}
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	token = "ya29.fake-" + base64.RawURLEncoding.EncodeToString(raw)
	s.mu.Lock()
	s.tokens[token] = &issuedToken{subject: c.Sub, admin: admin, scopes: scopes, expiry: s.now().Add(s.tokenTTL)}
	s.mu.Unlock()
	return 200, "", "", token
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ExpireTokens makes every token issued so far expire now: the next API
// call with one is answered 401, as Google answers a token that lapsed
// while the client still believed it valid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, t := range s.tokens {
		t.expiry = past
	}
}

// authorize returns the live token of a request, or the 401 to send.
func (s *Server) authorize(r *http.Request) (*issuedToken, *apiError) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, errUnauthenticated()
	}
	s.mu.RLock()
	t := s.tokens[tok]
	s.mu.RUnlock()
	if t == nil || !s.now().Before(t.expiry) {
		return nil, errUnauthenticated()
	}
	return t, nil
}

// allows reports whether a token's scopes cover a method that accepts any
// of want.
func (t *issuedToken) allows(want ...string) bool {
	for _, w := range want {
		if slices.Contains(t.scopes, w) {
			return true
		}
	}
	return false
}
