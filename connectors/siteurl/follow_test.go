package siteurl

import (
	"net/url"
	"strings"
	"testing"
)

func TestFollow(t *testing.T) {
	base, _ := url.Parse("https://learn.district.org")
	const from = "https://learn.district.org/learn/api/public/v1/courses/_1_1/users?limit=100"
	for _, tc := range []struct {
		name, link, want, wantErr string
	}{
		{"path with query", "/learn/api/public/v1/courses/_1_1/users?offset=100", "https://learn.district.org/learn/api/public/v1/courses/_1_1/users?offset=100", ""},
		{"relative to the page", "users?offset=200", "https://learn.district.org/learn/api/public/v1/courses/_1_1/users?offset=200", ""},
		{"absolute, same origin", "https://learn.district.org/api/v1/x?page=2", "https://learn.district.org/api/v1/x?page=2", ""},
		{"host case ignored", "https://LEARN.district.org/x", "https://LEARN.district.org/x", ""},
		{"another host", "https://evil.example/x", "", "refusing to send the token"},
		{"another scheme", "http://learn.district.org/x", "", "refusing to send the token"},
		{"protocol-relative elsewhere", "//evil.example/x", "", "evil.example"},
		{"not a URL", "%zz", "", "not a URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Follow(base, from, tc.link)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Follow(%q) = %q, %v; want an error with %q", tc.link, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Follow(%q) = %q, %v; want %q", tc.link, got, err, tc.want)
			}
		})
	}
}
