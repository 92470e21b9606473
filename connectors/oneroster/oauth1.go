package oneroster

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OneRoster 1.1 signs every request with OAuth 1.0a (RFC 5849) in its
// two-legged form: a consumer key and secret, no token, HMAC-SHA256.

// oauth1Signer adds an OAuth 1.0a Authorization header to each request.
// It sits under the retries, so each attempt gets its own nonce and
// timestamp: a server rejects a nonce it has seen.
type oauth1Signer struct {
	next   http.RoundTripper
	key    string
	secret string
	now    func() time.Time
	nonce  func() (string, error)
}

func (s *oauth1Signer) RoundTrip(req *http.Request) (*http.Response, error) {
	nonce, err := s.nonce()
	if err != nil {
		return nil, fmt.Errorf("OAuth 1.0a nonce: %w", err)
	}
	params := map[string]string{
		"oauth_consumer_key":     s.key,
		"oauth_signature_method": "HMAC-SHA256",
		"oauth_timestamp":        strconv.FormatInt(s.now().Unix(), 10),
		"oauth_nonce":            nonce,
		"oauth_version":          "1.0",
	}
	base, err := signatureBase(req.Method, req.URL, params)
	if err != nil {
		return nil, err
	}
	params["oauth_signature"] = hmacSHA256(base, s.secret, "")
	r := req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	r.Header.Set("Authorization", authorizationHeader(params))
	return s.next.RoundTrip(r)
}

// randomNonce is 128 random bits in hex: unreserved characters only.
func randomNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// signatureBase builds RFC 5849 §3.4.1's signature base string from the
// method, the request URL (its query parameters included) and the oauth_*
// protocol parameters (without oauth_signature or realm).
func signatureBase(method string, u *url.URL, oauth map[string]string) (string, error) {
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("OAuth 1.0a: query of %s: %w", u.Path, err)
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(query)+len(oauth))
	for k, vs := range query {
		for _, v := range vs {
			pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
		}
	}
	for k, v := range oauth {
		pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
	}
	// §3.4.1.3.2: sort by encoded name, then by encoded value.
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var norm strings.Builder
	for i, p := range pairs {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.k)
		norm.WriteByte('=')
		norm.WriteString(p.v)
	}
	return strings.ToUpper(method) + "&" + percentEncode(baseURI(u)) + "&" + percentEncode(norm.String()), nil
}

// baseURI is §3.4.1.2's base string URI: scheme and host lower-cased, the
// port only when it is not the scheme's default, the path (at least "/"),
// no query and no fragment.
func baseURI(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") { // an IPv6 literal keeps its brackets
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// percentEncode is §3.6's encoding: every byte but the unreserved
// characters ALPHA, DIGIT, '-', '.', '_' and '~' becomes %XX, upper-case.
func percentEncode(s string) string {
	const hexdigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexdigits[c>>4], hexdigits[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// hmacSHA256 signs base with the key "<consumer secret>&<token secret>",
// both encoded (§3.4.2), and returns the signature in base64.
func hmacSHA256(base, consumerSecret, tokenSecret string) string {
	m := hmac.New(sha256.New, []byte(percentEncode(consumerSecret)+"&"+percentEncode(tokenSecret)))
	m.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// authorizationHeader is §3.5.1's header: `OAuth name="value", ...` with
// names and values encoded, in a stable order.
func authorizationHeader(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("OAuth ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(percentEncode(k))
		b.WriteString(`="`)
		b.WriteString(percentEncode(params[k]))
		b.WriteByte('"')
	}
	return b.String()
}
