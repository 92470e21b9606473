package auth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// TLSPolicy decides whether a request reached the browser over TLS when a
// proxy in front of Rollcall ends TLS: then the request arrives as plain
// HTTP and only the proxy can say how the browser connected. That decides
// the session cookie's Secure flag and __Host- name.
type TLSPolicy struct {
	// PublicHTTPS says every browser reaches Rollcall over https (the
	// configured public URL is https), whatever the connection to us.
	PublicHTTPS bool
	// TrustedProxies are the addresses whose X-Forwarded-Proto is
	// believed; from anyone else the header is ignored, so a client
	// cannot talk its way into a cookie the network can read.
	TrustedProxies []netip.Prefix
}

// NewTLSPolicy builds a policy from a public URL (may be empty) and a list
// of trusted proxy addresses or CIDR prefixes.
func NewTLSPolicy(publicURL string, trustedProxies []string) (TLSPolicy, error) {
	var p TLSPolicy
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return p, fmt.Errorf("public URL %q: must be an http or https URL such as https://rollcall.district.org: %w", publicURL, ErrInvalid)
		}
		p.PublicHTTPS = u.Scheme == "https"
	}
	for _, s := range trustedProxies {
		pre, err := parsePrefix(s)
		if err != nil {
			return p, err
		}
		p.TrustedProxies = append(p.TrustedProxies, pre)
	}
	return p, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		pre, err := netip.ParsePrefix(s)
		if err != nil {
			return pre, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix: %w", s, ErrInvalid)
		}
		return pre.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix: %w", s, ErrInvalid)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// secure reports whether the browser's side of r is TLS under p.
func (p TLSPolicy) secure(r *http.Request) bool {
	if r.TLS != nil || p.PublicHTTPS {
		return true
	}
	if len(p.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	trusted := false
	for _, pre := range p.TrustedProxies {
		trusted = trusted || pre.Contains(a)
	}
	if !trusted {
		return false
	}
	// A chain of proxies appends: the first value is what the browser used.
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

type secureKey struct{}

// Secure wraps next so that IsTLS answers for the browser's connection
// under p, for every cookie set or read below it.
func Secure(p TLSPolicy, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.secure(r) {
			r = r.WithContext(context.WithValue(r.Context(), secureKey{}, true))
		}
		next.ServeHTTP(w, r)
	})
}
