package license

// Filter selects members; license/query compiles the query language into one.
type Filter interface {
	Match(m *Member) bool
}

// SortField is a column of the members table.
type SortField string

// Sortable columns.
const (
	SortEmail   SortField = "email"
	SortName    SortField = "name"
	SortRole    SortField = "role"
	SortOrgUnit SortField = "org_unit"
	SortAdded   SortField = "added"
	SortSource  SortField = "source" // by the first source name
)

// SortFields lists every sortable column.
var SortFields = []SortField{SortEmail, SortName, SortRole, SortOrgUnit, SortAdded, SortSource}

// ParseSort reads "name", "-name" (descending) or "name desc".
func ParseSort(s string) (SortField, bool, error) {
	s = lower(s)
	desc := false
	if len(s) > 0 && s[0] == '-' {
		desc, s = true, s[1:]
	} else if len(s) > 5 && s[len(s)-5:] == " desc" {
		desc, s = true, s[:len(s)-5]
	} else if len(s) > 4 && s[len(s)-4:] == " asc" {
		s = s[:len(s)-4]
	}
	if s == "" {
		if desc {
			return "", false, invalid("sort", "-", "names no column: use -email, -name, -role, -org_unit, -added or -source")
		}
		return SortEmail, desc, nil
	}
	if s == "orgunit" || s == "org-unit" || s == "ou" {
		s = string(SortOrgUnit)
	}
	for _, f := range SortFields {
		if string(f) == s {
			return f, desc, nil
		}
	}
	return "", false, invalid("sort", s, "must be one of email, name, role, org_unit, added, source")
}

// ListOptions asks for one page of a license's members. Ties in the sort
// column are broken by email, so paging is stable.
type ListOptions struct {
	Filter Filter    // nil: everyone
	Sort   SortField // zero: email
	Desc   bool
	// Cursor continues after the last member of a previous page; it is
	// opaque, and only valid with the same Filter and Sort.
	Cursor string
	Limit  int // zero: 50; capped at 1000
}

// Page is one page of members.
type Page struct {
	Members []Member `json:"members"`
	Next    string   `json:"next,omitempty"` // cursor of the next page; empty on the last
}

// Grant is one license an email is entitled to.
type Grant struct {
	License string `json:"license"`
	Name    string `json:"name"`
	Type    Type   `json:"type"`
	// Via says why: "member", or "domain:<domain>" for a domain-wide deployment.
	Via      string          `json:"via"`
	Features map[string]bool `json:"features,omitempty"`
}

// Entitlement is what an application asks at sign-in: which licenses hold
// this email, and the feature permissions they add up to.
type Entitlement struct {
	Email    string          `json:"email"`
	Licenses []Grant         `json:"licenses"`
	Features map[string]bool `json:"features"` // on if any granting license has it on
}
