package fake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// credentialsRefused is in every refusal of credentials, 1.1 and 1.2.
const credentialsRefused = "the client credentials are not valid"

// Scopes of OneRoster 1.2 rostering.
const (
	ScopeRosterCore = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
	ScopeRoster     = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"
	ScopeDemograph  = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly"
)

// timestampWindow is how far an OAuth 1.0a timestamp may be from the
// server's clock; nonces are remembered that long.
const timestampWindow = 5 * time.Minute

// verifyOAuth1 checks a 1.1 request's OAuth 1.0a signature (RFC 5849,
// HMAC-SHA256, no token): the header's parameters, the timestamp window,
// a nonce not seen before, and the signature recomputed over the method,
// the URL as received and every query and oauth_* parameter.
func (s *Server) verifyOAuth1(r *http.Request) *statusInfo {
	const challenge = `OAuth realm="oneroster"`
	deny := func(why string) *statusInfo {
		s.count.refused.Add(1)
		return errUnauthorized("Unauthorized: "+why, challenge)
	}
	h := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return deny("an OAuth 1.0a Authorization header is required")
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return deny(fmt.Sprintf("malformed Authorization parameter %q", part))
		}
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return deny(fmt.Sprintf("malformed Authorization parameter %q", part))
		}
		if _, dup := params[dk]; dup {
			return deny("parameter " + dk + " given twice")
		}
		params[dk] = dv
	}
	for _, req := range []string{"oauth_consumer_key", "oauth_signature_method", "oauth_timestamp", "oauth_nonce", "oauth_signature"} {
		if params[req] == "" {
			return deny("missing " + req)
		}
	}
	if m := params["oauth_signature_method"]; m != "HMAC-SHA256" {
		return deny("oauth_signature_method " + m + " is not supported: OneRoster 1.1 requires HMAC-SHA256")
	}
	if v, ok := params["oauth_version"]; ok && v != "1.0" {
		return deny("oauth_version must be 1.0")
	}
	ts, err := strconv.ParseInt(params["oauth_timestamp"], 10, 64)
	now := s.now()
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > timestampWindow {
		return deny("oauth_timestamp is not within 5 minutes of the server's clock")
	}

	s.auth.Lock()
	key, secret := s.consumerKey, s.consumerSecret
	s.auth.Unlock()
	if params["oauth_consumer_key"] != key {
		return deny(credentialsRefused + " (unknown oauth_consumer_key)")
	}
	want := s.signature(r, params, secret)
	got, err := base64.StdEncoding.DecodeString(params["oauth_signature"])
	if err != nil || !hmac.Equal(got, want) {
		return deny(credentialsRefused + " (OAuth signature mismatch)")
	}

	s.auth.Lock()
	defer s.auth.Unlock()
	for n, at := range s.nonces { // keep the set small: old nonces fail the timestamp check anyway
		if now.Sub(at) > 2*timestampWindow {
			delete(s.nonces, n)
		}
	}
	nk := key + "\x00" + params["oauth_timestamp"] + "\x00" + params["oauth_nonce"]
	if _, seen := s.nonces[nk]; seen {
		s.count.refused.Add(1)
		return errUnauthorized("Unauthorized: oauth_nonce was already used", challenge)
	}
	s.nonces[nk] = now
	return nil
}

// signature computes the HMAC-SHA256 of the request's signature base
// string with the key "<encoded secret>&".
func (s *Server) signature(r *http.Request, oauth map[string]string, secret string) []byte {
	type pair struct{ k, v string }
	var pairs []pair
	q, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, pair{rfc3986(k), rfc3986(v)})
		}
	}
	for k, v := range oauth {
		if k == "oauth_signature" || k == "realm" {
			continue
		}
		pairs = append(pairs, pair{rfc3986(k), rfc3986(v)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	joined := make([]string, len(pairs))
	for i, p := range pairs {
		joined[i] = p.k + "=" + p.v
	}
	uri := "http://" + strings.ToLower(r.Host) + r.URL.EscapedPath()
	base := r.Method + "&" + rfc3986(uri) + "&" + rfc3986(strings.Join(joined, "&"))
	m := hmac.New(sha256.New, []byte(rfc3986(secret)+"&"))
	m.Write([]byte(base))
	return m.Sum(nil)
}

// rfc3986 percent-encodes all but ALPHA / DIGIT / "-" / "." / "_" / "~".
func rfc3986(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

type issuedToken struct {
	scopes  []string
	expires time.Time
}

// serveToken is the 1.2 token endpoint: client credentials grant, the
// client authenticated with HTTP Basic (RFC 6749 §2.3.1: id and secret
// form-encoded, then Basic), scopes among OneRoster's.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.count.token.Add(1)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, 400, "invalid_request", "the body is not application/x-www-form-urlencoded")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, 400, "unsupported_grant_type", fmt.Sprintf("grant_type %q: only client_credentials is supported", gt))
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		s.count.refused.Add(1)
		writeOAuthError(w, 401, "invalid_client", "client authentication must use HTTP Basic")
		return
	}
	id, err1 := url.QueryUnescape(id)
	secret, err2 := url.QueryUnescape(secret)
	s.auth.Lock()
	good := err1 == nil && err2 == nil && id == s.clientID && hmac.Equal([]byte(secret), []byte(s.clientSecret))
	s.auth.Unlock()
	if !good {
		s.count.refused.Add(1)
		writeOAuthError(w, 401, "invalid_client", credentialsRefused)
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	if len(scopes) == 0 {
		scopes = []string{ScopeRosterCore}
	}
	for _, sc := range scopes {
		if sc != ScopeRosterCore && sc != ScopeRoster && sc != ScopeDemograph {
			writeOAuthError(w, 400, "invalid_scope", fmt.Sprintf("scope %q is not a OneRoster rostering scope", sc))
			return
		}
	}
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	tok := hex.EncodeToString(raw[:])
	s.auth.Lock()
	s.tokens[tok] = &issuedToken{scopes: scopes, expires: s.now().Add(s.tokenTTL)}
	s.auth.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "token_type": "bearer",
		"expires_in": int(s.tokenTTL / time.Second), "scope": strings.Join(scopes, " "),
	})
}

// verifyBearer checks a 1.2 request's access token and its scope.
func (s *Server) verifyBearer(r *http.Request) *statusInfo {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		s.count.refused.Add(1)
		return errUnauthorized("Unauthorized: a bearer access token is required", `Bearer realm="oneroster"`)
	}
	s.auth.Lock()
	t := s.tokens[tok]
	s.auth.Unlock()
	if t == nil || !s.now().Before(t.expires) {
		s.count.refused.Add(1)
		return errUnauthorized("Unauthorized: the access token is not valid or has expired", `Bearer realm="oneroster", error="invalid_token"`)
	}
	if !slices.Contains(t.scopes, ScopeRosterCore) && !slices.Contains(t.scopes, ScopeRoster) {
		return errForbidden("Forbidden: the token's scope does not cover rostering (roster-core.readonly)")
	}
	return nil
}

// ExpireTokens revokes every 1.2 access token.
func (s *Server) ExpireTokens() {
	s.auth.Lock()
	defer s.auth.Unlock()
	clear(s.tokens)
}
