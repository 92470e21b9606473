package blackboard

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// unit is one parsed selection unit.
type unit struct {
	kind string // course, term or datasource
	id   string // as Learn takes it in a path or filter: _12_1 or prefix:value
}

func (u unit) String() string { return u.kind + ":" + u.id }

// primaryID is Learn's primary id form, _<n>_<n>.
var primaryID = regexp.MustCompile(`^_[0-9]+_[0-9]+$`)

// secondary lists the id prefixes each unit kind accepts besides the
// primary id.
var secondary = map[string][]string{
	"course":     {"courseId", "externalId", "uuid"},
	"term":       {"externalId"},
	"datasource": {"externalId"},
}

func parseUnit(s string) (unit, error) {
	kind, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	u := unit{kind: strings.ToLower(kind), id: strings.TrimSpace(id)}
	prefixes, known := secondary[u.kind]
	if !ok || !known || u.id == "" {
		return unit{}, fmt.Errorf("unit %q: %w", s, ErrBadUnit)
	}
	if primaryID.MatchString(u.id) {
		return u, nil
	}
	if p, v, ok := strings.Cut(u.id, ":"); ok && strings.TrimSpace(v) != "" {
		for _, want := range prefixes {
			if p == want {
				return u, nil
			}
		}
	}
	return unit{}, fmt.Errorf("unit %q: the id must be a primary id like _123_1 or one of %s followed by :value: %w",
		s, strings.Join(prefixes, ", "), ErrBadUnit)
}

// Course role ids Learn ships with.
const (
	roleInstructor  = "Instructor"
	roleFacilitator = "BbFacilitator"
	roleTA          = "TeachingAssistant"
	roleStudent     = "Student"
)

// plan is a selection read for one Fetch.
type plan struct {
	units              []unit
	roles              map[string]license.Role // courseRoleId -> role; absent: not a member
	includeUnavailable bool
}

// planFor checks sel and works out what to ask Learn.
func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	p := &plan{roles: map[string]license.Role{
		roleInstructor: license.RoleTeacher, roleFacilitator: license.RoleTeacher, roleTA: license.RoleTeacher,
		roleStudent: license.RoleStudent,
	}}
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no unit (course:<id>, term:<id> or datasource:<id>)", c.prefix())
	}
	seen := map[unit]bool{}
	for _, s := range sel.Units {
		u, err := parseUnit(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.prefix(), err)
		}
		if !seen[u] {
			seen[u] = true
			p.units = append(p.units, u)
		}
	}
	for k, r := range c.s.Roles {
		p.roles[k] = r
	}
	for k, r := range sel.Roles {
		if !r.Valid() {
			return nil, fmt.Errorf("%s: roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		p.roles[k] = r
	}
	switch v := sel.Options["include_unavailable_courses"]; v {
	case "":
	default:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s: option include_unavailable_courses: %q must be true or false", c.prefix(), v)
		}
		p.includeUnavailable = b
	}
	for k := range sel.Options {
		if k != "include_unavailable_courses" {
			return nil, fmt.Errorf("%s: unknown option %q (known: include_unavailable_courses)", c.prefix(), k)
		}
	}
	return p, nil
}
