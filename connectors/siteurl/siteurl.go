package siteurl

import "net/url"

// IsHTTP reports whether raw is an absolute http or https URL with a host.
func IsHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// IsSite reports whether raw is IsHTTP with no query.
func IsSite(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && IsHTTP(raw) && u.RawQuery == ""
}

// IsRoot reports whether raw is IsSite with no path but "/".
func IsRoot(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && IsSite(raw) && (u.Path == "" || u.Path == "/")
}
