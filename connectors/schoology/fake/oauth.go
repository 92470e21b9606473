package fake

import (
	"net/http"
	"strconv"

	"github.com/rollcall-sync/rollcall/connectors/oauth1"
)

// verify checks a request's two-legged OAuth 1.0a header as Schoology's
// authentication page describes it, and returns the refusal, if any.
func (s *Server) verify(r *http.Request) string {
	_, p, err := oauth1.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "OAuth Authorization header is missing or malformed"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.revoked || p["oauth_consumer_key"] != s.key {
		return MsgBadKey
	}
	if _, ok := p["oauth_token"]; !ok {
		return "oauth_token is required (empty for two-legged requests)"
	}
	m := oauth1.Method(p["oauth_signature_method"])
	if m != oauth1.HMACSHA1 && m != oauth1.Plaintext {
		return "Unsupported signature method"
	}
	ts, err := strconv.ParseInt(p["oauth_timestamp"], 10, 64)
	if err != nil || p["oauth_nonce"] == "" {
		return "oauth_timestamp and oauth_nonce are required"
	}
	sig := p["oauth_signature"]
	delete(p, "oauth_signature")
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	base, err := oauth1.SignatureBase(r.Method, &u, p)
	if err != nil {
		return MsgBadSignature
	}
	if want, _ := oauth1.Sign(m, base, s.secret, ""); want != sig {
		return MsgBadSignature
	}
	// A nonce is single-use for its timestamp, and timestamps may not go
	// backwards.
	seen := p["oauth_timestamp"] + ":" + p["oauth_nonce"]
	if s.nonces[seen] || ts < s.lastTS {
		return MsgReplay
	}
	s.nonces[seen] = true
	s.lastTS = ts
	return ""
}

// RevokeKey makes the server refuse the consumer key from now on.
func (s *Server) RevokeKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}
