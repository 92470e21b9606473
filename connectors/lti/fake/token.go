package fake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ScopeNRPS is the only scope the fake grants.
const ScopeNRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

func writeJSON(w http.ResponseWriter, code int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError answers per RFC 6749 §5.2.
func oauthError(w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, code, "application/json", map[string]string{"error": errCode, "error_description": desc})
}

// serveToken is the client-credentials grant with an RFC 7523 assertion.
func (p *Platform) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	f := r.PostForm
	refuse := func(code int, e, d string) {
		p.count.tokenRefusals.Add(1)
		oauthError(w, code, e, d)
	}
	if f.Get("grant_type") != "client_credentials" {
		refuse(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		refuse(http.StatusBadRequest, "invalid_request", "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		return
	}
	clientID, err := p.verifyAssertion(r.Context(), f.Get("client_assertion"))
	if err != nil {
		refuse(http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	scopes := strings.Fields(f.Get("scope"))
	if len(scopes) == 0 {
		refuse(http.StatusBadRequest, "invalid_scope", "scope is required")
		return
	}
	for _, s := range scopes {
		if s != ScopeNRPS {
			refuse(http.StatusBadRequest, "invalid_scope", "scope "+s+" is not granted to this tool")
			return
		}
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	p.mu.Lock()
	p.tokens[tok] = accessToken{clientID: clientID, expires: p.now().Add(p.tokenTTL)}
	p.mu.Unlock()
	p.count.tokens.Add(1)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(p.tokenTTL / time.Second), "scope": ScopeNRPS})
}

// verifyAssertion checks a client assertion and returns its client id.
func (p *Platform) verifyAssertion(ctx context.Context, raw string) (string, error) {
	if raw == "" {
		return "", errors.New("client_assertion is required")
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", fmt.Errorf("client_assertion is not an RS256 JWT: %v", err)
	}
	var peek jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&peek); err != nil {
		return "", errors.New("client_assertion has unreadable claims")
	}
	p.mu.Lock()
	t := p.tools[peek.Issuer]
	p.mu.Unlock()
	if t == nil {
		return "", fmt.Errorf("unknown client %q", peek.Issuer)
	}
	keys, err := p.toolKeys(ctx, t)
	if err != nil {
		return "", err
	}
	kid := tok.Headers[0].KeyID
	var found []jose.JSONWebKey
	if kid != "" {
		found = keys.Key(kid)
	}
	if len(found) == 0 {
		return "", fmt.Errorf("no key %q in the tool's JWKS", kid)
	}
	var c jwt.Claims
	if err := tok.Claims(found[0].Key, &c); err != nil {
		return "", errors.New("client_assertion signature does not verify")
	}
	now := p.now()
	switch {
	case c.Subject != c.Issuer:
		return "", errors.New("client_assertion sub must equal iss (the client id)")
	case !slices.Contains(c.Audience, p.TokenURL()):
		return "", fmt.Errorf("client_assertion aud must be %s", p.TokenURL())
	case c.Expiry == nil || !now.Before(c.Expiry.Time()):
		return "", errors.New("client_assertion has expired")
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(time.Minute)):
		return "", errors.New("client_assertion is issued in the future")
	case c.ID == "":
		return "", errors.New("client_assertion has no jti")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for j, exp := range p.jtis {
		if now.After(exp) {
			delete(p.jtis, j)
		}
	}
	if _, used := p.jtis[c.ID]; used {
		return "", errors.New("client_assertion jti was already used")
	}
	p.jtis[c.ID] = c.Expiry.Time()
	return c.Issuer, nil
}

// toolKeys are the tool's public keys: given, or fetched from its JWKS URL.
func (p *Platform) toolKeys(ctx context.Context, t *Tool) (*jose.JSONWebKeySet, error) {
	p.mu.Lock()
	keys, u := t.Keys, t.JWKSURL
	p.mu.Unlock()
	if keys != nil {
		return keys, nil
	}
	if u == "" {
		return nil, errors.New("the tool has no public keys registered")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the tool's JWKS: %v", err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&set) != nil {
		return nil, fmt.Errorf("the tool's JWKS answered %d", resp.StatusCode)
	}
	return &set, nil
}
