package csvio

import (
	"fmt"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

// columns says which cell holds what; -1 is absent.
type columns struct {
	email, name, role, first, last int
	ignored                        map[int]bool // export columns, read and dropped
}

// unused reports whether cell i is in no column the import reads or knows.
func (c *columns) unused(i int) bool {
	return i != c.email && i != c.name && i != c.role && i != c.first && i != c.last && !c.ignored[i]
}

// positional is the layout of a file without a header.
var positional = columns{email: 0, name: 1, role: 2, first: -1, last: -1}

// headerNames maps a normalized header cell to the column it names.
var headerNames = map[string]string{
	"email": "email", "emailaddress": "email", "mail": "email", "primaryemail": "email", "useremail": "email",
	"name": "name", "fullname": "name", "displayname": "name",
	"firstname": "first", "givenname": "first",
	"lastname": "last", "surname": "last", "familyname": "last",
	"role": "role", "userrole": "role",
	// The export's own columns, so an export can be uploaded unchanged.
	"orgunit": "", "ou": "", "orgunitpath": "", "sources": "", "source": "", "added": "",
}

// normHeader reads "Email Address [Required]" as "emailaddress".
func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		s = s[:i]
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, s)
}

// headerOf decides whether the first row is a header. A row whose first
// cell is an email address is data; a row naming at least one known column
// is a header, and must then name only known ones. On a bad header it
// records the problems and returns nil.
func headerOf(rec []string, line int, ierr *ImportError) (*columns, bool) {
	p := positional
	if _, err := license.NormalizeEmail(rec[0]); err == nil {
		return &p, false
	}
	known := 0
	for _, v := range rec {
		if _, ok := headerNames[normHeader(v)]; ok {
			known++
		}
	}
	if known == 0 {
		return &p, false
	}
	c := &columns{email: -1, name: -1, role: -1, first: -1, last: -1, ignored: map[int]bool{}}
	bad := func(i int, reason string) {
		ierr.add(RowError{Line: line, Column: i + 1, Field: "header", Value: rec[i], Reason: reason})
	}
	for i, v := range rec {
		if v == "" {
			continue // a trailing comma; data under it must be empty (columns.unused)
		}
		col, ok := headerNames[normHeader(v)]
		if !ok {
			bad(i, "unknown column; use email, name and role (first name and last name also work)")
			continue
		}
		var slot *int
		switch col {
		case "":
			c.ignored[i] = true
			continue
		case "email":
			slot = &c.email
		case "name":
			slot = &c.name
		case "first":
			slot = &c.first
		case "last":
			slot = &c.last
		case "role":
			slot = &c.role
		}
		if *slot >= 0 {
			bad(i, fmt.Sprintf("names the same column as column %d (%q)", *slot+1, rec[*slot]))
			continue
		}
		*slot = i
	}
	if c.email < 0 {
		ierr.add(RowError{Line: line, Field: "header", Reason: "no email column; name one email (name and role are optional)"})
	}
	if len(ierr.Rows) > 0 {
		return nil, true
	}
	return c, true
}
