package auth

import (
	"net/http"
	"time"
)

// Session cookie names. Under TLS the __Host- prefix makes browsers insist
// on Secure, Path=/ and no Domain, so no sibling host can plant or read it.
const (
	cookieNamePlain = "rollcall_session"
	cookieNameTLS   = "__Host-rollcall_session"
)

// CookieName is the session cookie's name over TLS or plain HTTP.
func CookieName(tls bool) string {
	if tls {
		return cookieNameTLS
	}
	return cookieNamePlain
}

// SessionCookie is the cookie carrying a session value: HttpOnly (no
// script reads it), SameSite=Lax (not sent on cross-site POSTs), and under
// TLS Secure with the __Host- prefix. A zero or negative ttl makes a cookie
// that deletes the session cookie (sign out).
func SessionCookie(value string, tls bool, ttl time.Duration) *http.Cookie {
	c := &http.Cookie{
		Name:     CookieName(tls),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   tls,
		SameSite: http.SameSiteLaxMode,
	}
	if ttl <= 0 {
		c.Value = ""
		c.MaxAge = -1
		c.Expires = time.Unix(1, 0)
	} else {
		c.MaxAge = int(ttl / time.Second)
	}
	return c
}

// IsTLS reports whether the browser reached us over TLS: directly, or
// through a proxy that Secure's policy trusts to say so.
func IsTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	on, _ := r.Context().Value(secureKey{}).(bool)
	return on
}

// sessionCookie returns the request's session cookie value, if any. Over
// plain HTTP only the plain name is read; over TLS only the __Host- one,
// which a network attacker cannot plant.
func sessionCookie(r *http.Request) (string, bool) {
	c, err := r.Cookie(CookieName(IsTLS(r)))
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}
