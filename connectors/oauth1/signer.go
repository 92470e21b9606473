package oauth1

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Signer adds a two-legged OAuth 1.0a Authorization header to each request
// it carries to Next. The zero Now and Nonce are time.Now and RandomNonce.
type Signer struct {
	Next           http.RoundTripper
	ConsumerKey    string
	ConsumerSecret string
	Method         Method // empty: HMAC-SHA1
	// Realm is sent first in the header when set (Schoology wants
	// "Schoology API"); it is never signed (§3.4.1.3.1).
	Realm string
	// EmptyToken sends and signs oauth_token="" as Schoology's two-legged
	// requests must carry it; without it no oauth_token is sent.
	EmptyToken bool
	Now        func() time.Time
	Nonce      func() (string, error)

	mu   sync.Mutex
	last int64 // the last timestamp sent: never go backwards
}

// RoundTrip signs a clone of req and sends it.
func (s *Signer) RoundTrip(req *http.Request) (*http.Response, error) {
	r, err := s.sign(req)
	if err != nil {
		return nil, err
	}
	return s.Next.RoundTrip(r)
}

func (s *Signer) sign(req *http.Request) (*http.Request, error) {
	nonce := s.Nonce
	if nonce == nil {
		nonce = RandomNonce
	}
	n, err := nonce()
	if err != nil {
		return nil, fmt.Errorf("OAuth 1.0a nonce: %w", err)
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	// Schoology refuses a timestamp earlier than one already used; a
	// clock stepped back must not break the link.
	s.mu.Lock()
	ts := max(now().Unix(), s.last)
	s.last = ts
	s.mu.Unlock()
	method := s.Method
	if method == "" {
		method = HMACSHA1
	}
	params := map[string]string{
		"oauth_consumer_key":     s.ConsumerKey,
		"oauth_signature_method": string(method),
		"oauth_timestamp":        strconv.FormatInt(ts, 10),
		"oauth_nonce":            n,
		"oauth_version":          "1.0",
	}
	if s.EmptyToken {
		params["oauth_token"] = ""
	}
	base, err := SignatureBase(req.Method, req.URL, params)
	if err != nil {
		return nil, err
	}
	sig, err := Sign(method, base, s.ConsumerSecret, "")
	if err != nil {
		return nil, err
	}
	params["oauth_signature"] = sig
	r := req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	r.Header.Set("Authorization", AuthorizationHeader(s.Realm, params))
	return r, nil
}

// RandomNonce is 128 random bits in hex: unreserved characters only.
func RandomNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
