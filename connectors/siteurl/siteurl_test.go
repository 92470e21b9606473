package siteurl

import "testing"

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		raw                  string
		http, site, rootOnly bool
	}{
		{"https://learn.district.org", true, true, true},
		{"https://learn.district.org/", true, true, true},
		{"http://127.0.0.1:8080", true, true, true},
		{"https://lms.district.org/moodle", true, true, false},
		{"https://auth.brightspace.com/core/connect/token", true, true, false},
		{"https://sso.example.org/token?tenant=4", true, false, false},
		{"https://district.org/?x=1", true, false, false},
		{"ftp://district.org", false, false, false},
		{"district.org", false, false, false},
		{"https:///path-only", false, false, false},
		{"", false, false, false},
		{"https://bad host", false, false, false},
		{"://x", false, false, false},
	} {
		if got := IsHTTP(tc.raw); got != tc.http {
			t.Errorf("IsHTTP(%q) = %v, want %v", tc.raw, got, tc.http)
		}
		if got := IsSite(tc.raw); got != tc.site {
			t.Errorf("IsSite(%q) = %v, want %v", tc.raw, got, tc.site)
		}
		if got := IsRoot(tc.raw); got != tc.rootOnly {
			t.Errorf("IsRoot(%q) = %v, want %v", tc.raw, got, tc.rootOnly)
		}
	}
}

// The checks never panic, and each kind implies the looser one.
func FuzzKinds(f *testing.F) {
	for _, s := range []string{"https://a.b", "https://a.b/p?q=1", "http://[::1]:80/", "%zz", "https://a.b#frag", "HTTPS://A.B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, s, r := IsHTTP(raw), IsSite(raw), IsRoot(raw)
		if (r && !s) || (s && !h) {
			t.Fatalf("%q: IsHTTP %v, IsSite %v, IsRoot %v", raw, h, s, r)
		}
	})
}
