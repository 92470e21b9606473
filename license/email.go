package license

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// maxLocalPart is RFC 5321's limit on the part of an address before the @.
const maxLocalPart = 64

// NormalizeEmail trims and lower-cases an address and checks it is a bare
// addr-spec with a dotted domain. Display-name forms ("Ann <a@b.org>") are
// rejected: a roster cell holding one is a data error worth reporting.
func NormalizeEmail(s string) (string, error) {
	if e, ok := plainEmail(s); ok {
		return e, nil
	}
	return normalizeEmail(s)
}

// plainEmail normalizes the common address without net/mail's parser,
// which costs about half a second per million people on a sync's read: a
// printable-ASCII dot-atom local part of letters, digits and ._%+-' and a
// domain validDomain accepts. These are a subset of what normalizeEmail
// accepts, with the same result (FuzzPlainEmail holds it to that); anything
// else, ok false, goes the long way.
func plainEmail(s string) (string, bool) {
	if s == "" || len(s) > 254 {
		return "", false
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			return "", false
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	e := s
	if upper {
		e = strings.ToLower(s)
	}
	at := strings.IndexByte(e, '@')
	if at <= 0 || at > maxLocalPart || at != strings.LastIndexByte(e, '@') {
		return "", false
	}
	local := e[:at]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", false
	}
	for i := 0; i < len(local); i++ {
		switch c := local[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '%', c == '+', c == '-', c == '\'':
		default:
			return "", false
		}
	}
	if !validDomain(e[at+1:]) {
		return "", false
	}
	return e, true
}

// normalizeEmail is NormalizeEmail's full check.
func normalizeEmail(s string) (string, error) {
	if !utf8.ValidString(s) {
		// Lower-casing would turn the bad bytes into U+FFFD and store a
		// different address from the one given.
		return "", invalid("email", strings.ToValidUTF8(s, "\\x??"), "is not valid UTF-8")
	}
	if strings.ContainsRune(s, utf8.RuneError) {
		// What a decoder leaves of bytes that were not UTF-8.
		return "", invalid("email", s, "holds U+FFFD, the replacement character: the address was not valid UTF-8")
	}
	e := strings.ToLower(strings.TrimSpace(s))
	if e == "" {
		return "", invalid("email", s, "is empty")
	}
	if len(e) > 254 {
		return "", invalid("email", s[:40]+"…", "is longer than 254 characters")
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", invalid("email", s, "is not a valid address")
	}
	at := strings.LastIndexByte(e, '@')
	local, domain := e[:at], e[at+1:]
	if local == "" || !validDomain(domain) {
		return "", invalid("email", s, "is not a valid address")
	}
	if len(local) > maxLocalPart {
		return "", invalid("email", s, "has a local part (before the @) of %d characters; RFC 5321 allows %d", len(local), maxLocalPart)
	}
	return e, nil
}

// EmailDomain returns the domain of a normalized address.
func EmailDomain(email string) string {
	return email[strings.LastIndexByte(email, '@')+1:]
}

// NormalizeDomain lower-cases and checks an email domain such as "district.org".
func NormalizeDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(s))
	d = strings.TrimPrefix(d, "@")
	if !validDomain(d) {
		return "", invalid("domain", s, "is not a valid domain name")
	}
	return d, nil
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	// Label by label, without splitting: this runs once per person read.
	start := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			if c := d[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		label := d[start:i]
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}
