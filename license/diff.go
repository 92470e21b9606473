package license

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ClaimDiff says what an update from a to b changed, for the audit trail.
func ClaimDiff(a, b *Claim) string {
	var parts []string
	if a.Name != b.Name {
		parts = append(parts, fmt.Sprintf("name %q → %q", a.Name, b.Name))
	}
	if a.Role != b.Role {
		parts = append(parts, fmt.Sprintf("role %s → %s", orNone(string(a.Role)), orNone(string(b.Role))))
	}
	if a.OrgUnit != b.OrgUnit {
		parts = append(parts, fmt.Sprintf("org unit %q → %q", a.OrgUnit, b.OrgUnit))
	}
	if a.ExternalID != b.ExternalID {
		parts = append(parts, fmt.Sprintf("external id %q → %q", a.ExternalID, b.ExternalID))
	}
	if !maps.Equal(a.Attrs, b.Attrs) {
		parts = append(parts, "attributes changed")
	}
	if !a.Leaving.IsZero() && b.Leaving.IsZero() {
		parts = append([]string{"no longer leaving"}, parts...)
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// LicenseDiff names the fields of a license that changed from a to b,
// for the audit trail; the key is left out (it has its own event).
func LicenseDiff(a, b *License) string {
	var parts []string
	if a.Name != b.Name {
		parts = append(parts, fmt.Sprintf("name %q → %q", a.Name, b.Name))
	}
	if a.Type != b.Type {
		parts = append(parts, fmt.Sprintf("type %s → %s", a.Type, b.Type))
	}
	if a.Seats != b.Seats {
		parts = append(parts, fmt.Sprintf("seats %d → %d", a.Seats, b.Seats))
	}
	if !a.Expires.Equal(b.Expires) {
		parts = append(parts, "expires "+dateOrNever(a)+" → "+dateOrNever(b))
	}
	if !slices.Equal(a.Domains, b.Domains) {
		parts = append(parts, fmt.Sprintf("domains [%s] → [%s]", strings.Join(a.Domains, " "), strings.Join(b.Domains, " ")))
	}
	if !slices.Equal(a.Admins, b.Admins) {
		parts = append(parts, fmt.Sprintf("admins [%s] → [%s]", strings.Join(a.Admins, " "), strings.Join(b.Admins, " ")))
	}
	if !maps.Equal(a.Features, b.Features) {
		parts = append(parts, "features changed")
	}
	if a.LMS != b.LMS {
		parts = append(parts, "lms changed")
	}
	return strings.Join(parts, "; ")
}

func dateOrNever(l *License) string {
	if l.Expires.IsZero() {
		return "never"
	}
	return l.Expires.Format("2006-01-02")
}
