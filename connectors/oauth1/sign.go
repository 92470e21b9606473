package oauth1

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strings"
)

// Method is an oauth_signature_method.
type Method string

// Signature methods (RFC 5849 §3.4; HMAC-SHA256 is OneRoster's).
const (
	HMACSHA1   Method = "HMAC-SHA1"
	HMACSHA256 Method = "HMAC-SHA256"
	Plaintext  Method = "PLAINTEXT"
)

// Valid reports whether m is one of the methods this package signs with.
func (m Method) Valid() bool { return m == HMACSHA1 || m == HMACSHA256 || m == Plaintext }

// SignatureBase builds §3.4.1's signature base string from the method, the
// request URL (its query parameters included) and the oauth_* protocol
// parameters (without oauth_signature or realm).
func SignatureBase(method string, u *url.URL, oauth map[string]string) (string, error) {
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("OAuth 1.0a: query of %s: %w", u.Path, err)
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(query)+len(oauth))
	for k, vs := range query {
		for _, v := range vs {
			pairs = append(pairs, pair{PercentEncode(k), PercentEncode(v)})
		}
	}
	for k, v := range oauth {
		pairs = append(pairs, pair{PercentEncode(k), PercentEncode(v)})
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
	return strings.ToUpper(method) + "&" + PercentEncode(BaseURI(u)) + "&" + PercentEncode(norm.String()), nil
}

// BaseURI is §3.4.1.2's base string URI: scheme and host lower-cased, the
// port only when it is not the scheme's default, the path (at least "/"),
// no query and no fragment.
func BaseURI(u *url.URL) string {
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

// PercentEncode is §3.6's encoding: every byte but the unreserved
// characters ALPHA, DIGIT, '-', '.', '_' and '~' becomes %XX, upper-case.
func PercentEncode(s string) string {
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

// Sign returns the oauth_signature of base under m: for the HMAC methods
// the base64 MAC keyed by "<consumer secret>&<token secret>", both encoded
// (§3.4.2); for PLAINTEXT that key itself (§3.4.4), base unused.
func Sign(m Method, base, consumerSecret, tokenSecret string) (string, error) {
	key := PercentEncode(consumerSecret) + "&" + PercentEncode(tokenSecret)
	var h func() hash.Hash
	switch m {
	case Plaintext:
		return key, nil
	case HMACSHA1:
		h = sha1.New
	case HMACSHA256:
		h = sha256.New
	default:
		return "", fmt.Errorf("OAuth 1.0a: unknown signature method %q", m)
	}
	mac := hmac.New(h, []byte(key))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
