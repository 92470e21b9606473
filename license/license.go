package license

import (
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strings"
	"time"
)

// Type is the kind of license. teacher, school and district are for
// education; pro and work are not.
type Type string

// License types.
const (
	TypeTeacher  Type = "teacher"
	TypeSchool   Type = "school"
	TypeDistrict Type = "district"
	TypePro      Type = "pro"
	TypeWork     Type = "work"
)

// Types lists every valid license type.
var Types = []Type{TypeTeacher, TypeSchool, TypeDistrict, TypePro, TypeWork}

// ParseType accepts a license type name in any case.
func ParseType(s string) (Type, error) {
	t := Type(lower(s))
	if slices.Contains(Types, t) {
		return t, nil
	}
	return "", invalid("type", s, "must be one of teacher, school, district, pro, work")
}

// Education reports whether the type is one for schools.
func (t Type) Education() bool {
	return t == TypeTeacher || t == TypeSchool || t == TypeDistrict
}

// License is one software license: who may use it, how many, until when.
type License struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Type     Type            `json:"type"`
	Seats    int             `json:"seats"`
	Created  time.Time       `json:"created"`
	Expires  time.Time       `json:"expires,omitzero"` // zero: never expires
	Domains  []string        `json:"domains,omitempty"`
	Key      Key             `json:"key"`
	Features map[string]bool `json:"features,omitempty"`
	Admins   []string        `json:"admins,omitempty"`
	LMS      LMS             `json:"lms,omitzero"`
	// Used is the number of members, maintained by the store.
	Used int `json:"used"`
}

// Expired reports whether the license has expired at now.
func (l *License) Expired(now time.Time) bool {
	return !l.Expires.IsZero() && !now.Before(l.Expires)
}

// Free is the number of seats still open.
func (l *License) Free() int { return max(0, l.Seats-l.Used) }

// IsAdmin reports whether email administers the license.
func (l *License) IsAdmin(email string) bool { return slices.Contains(l.Admins, lower(email)) }

// LinkStatus is the state of a license's link to its LMS.
type LinkStatus string

// Link states.
const (
	LinkUnlinked LinkStatus = ""
	LinkOK       LinkStatus = "linked"
	LinkFailing  LinkStatus = "failing"
)

// LMS is a license's primary learning management system.
type LMS struct {
	Vendor    string     `json:"vendor,omitempty"`
	BaseURL   string     `json:"base_url,omitempty"`
	Connector string     `json:"connector,omitempty"`
	Status    LinkStatus `json:"status,omitempty"`
	LastSync  time.Time  `json:"last_sync,omitzero"`
	LastError string     `json:"last_error,omitempty"`
}

// NewID returns a fresh license id: 10 lower-case base32 characters
// (50 random bits), URL-safe and easy to read aloud.
func NewID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:10]
}

// Normalize trims, lower-cases and sorts what can be, and validates the
// license. The first bad field is named in the error.
func (l *License) Normalize() error {
	l.Name = strings.TrimSpace(l.Name)
	if l.ID != "" && !validID(l.ID) {
		return invalid("id", l.ID, "must be 1-40 characters of a-z, 0-9, - and _")
	}
	if l.Name == "" {
		return invalid("name", "", "is required")
	}
	if len(l.Name) > 200 {
		return invalid("name", l.Name[:40]+"…", "is longer than 200 characters")
	}
	t, err := ParseType(string(l.Type))
	if err != nil {
		return err
	}
	l.Type = t
	if l.Seats < 0 {
		return invalid("seats", "", "must not be negative")
	}
	if !l.Expires.IsZero() && !l.Created.IsZero() && !l.Expires.After(l.Created) {
		return invalid("expires", l.Expires.Format(time.DateOnly), "must be after the creation date")
	}
	domains := make([]string, 0, len(l.Domains))
	for _, d := range l.Domains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return err
		}
		domains = append(domains, n)
	}
	slices.Sort(domains)
	l.Domains = slices.Compact(domains)
	admins := make([]string, 0, len(l.Admins))
	for _, a := range l.Admins {
		n, err := NormalizeEmail(a)
		if err != nil {
			return invalid("admins", a, "is not a valid email address")
		}
		admins = append(admins, n)
	}
	slices.Sort(admins)
	l.Admins = slices.Compact(admins)
	if len(l.Features) > MaxFeatures {
		return invalid("features", "", "%d feature names; a license has at most %d", len(l.Features), MaxFeatures)
	}
	if err := l.LMS.validate(); err != nil {
		return err
	}
	for name := range l.Features {
		if !validFeature(name) {
			return invalid("features", name, "feature names are 1-64 characters of a-z, 0-9, ., - and _")
		}
	}
	return nil
}

func validID(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validFeature(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
