package schoology

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

type unit struct {
	kind string // school, building, course or section
	id   string
}

func (u unit) String() string { return u.kind + ":" + u.id }

func parseUnit(s string) (unit, error) {
	kind, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	u := unit{kind: strings.ToLower(kind), id: id}
	if ok && digits(id) && slices.Contains([]string{"school", "building", "course", "section"}, u.kind) {
		return u, nil
	}
	return unit{}, fmt.Errorf("unit %q: %w", s, ErrBadUnit)
}

func digits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// Role keys of Selection.Roles for the enrollment's admin flag.
const (
	keyAdmin  = "admin"
	keyMember = "member"
)

// plan is a selection read for one Fetch.
type plan struct {
	units       []unit
	statuses    []string // enrollment_status values kept
	includePast bool
	roles       map[string]license.Role // admin, member and role titles
	exclude     map[string]bool         // role titles left out unless mapped
}

func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	p := &plan{statuses: []string{"1"}, roles: map[string]license.Role{keyAdmin: license.RoleTeacher, keyMember: license.RoleStudent},
		exclude: map[string]bool{"parent": true, "guest": true}}
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no unit (school:<id>, building:<id>, course:<id> or section:<id>)", c.prefix())
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
	for k, r := range sel.Roles {
		if !r.Valid() {
			return nil, fmt.Errorf("%s: roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		p.roles[strings.ToLower(k)] = r
	}
	if v := sel.Options["enrollment_status"]; v != "" {
		p.statuses = nil
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			if n, err := strconv.Atoi(st); err != nil || n < 1 || n > 5 {
				return nil, fmt.Errorf("%s: option enrollment_status: %q is not 1-5 (1 active, 2 expired, 3 invite pending, 4 request pending, 5 archived)", c.prefix(), st)
			}
			p.statuses = append(p.statuses, st)
		}
	}
	switch v := sel.Options["include_past"]; v {
	case "", "false":
	case "true":
		p.includePast = true
	default:
		return nil, fmt.Errorf("%s: option include_past: %q must be true or false", c.prefix(), v)
	}
	if v, ok := sel.Options["exclude_roles"]; ok && v != "" {
		p.exclude = map[string]bool{}
		if v != "none" {
			for _, t := range strings.Split(v, ",") {
				p.exclude[strings.ToLower(strings.TrimSpace(t))] = true
			}
		}
	}
	return p, nil
}

// role maps one enrollment: the user's school role title when mapped,
// nothing when that title is excluded, else the admin flag.
func (p *plan) role(title string, admin bool) (license.Role, bool) {
	t := strings.ToLower(title)
	if t != keyAdmin && t != keyMember {
		if r, ok := p.roles[t]; ok && t != "" {
			return r, true
		}
		if p.exclude[t] {
			return "", false
		}
	}
	if admin {
		r, ok := p.roles[keyAdmin]
		return r, ok
	}
	r, ok := p.roles[keyMember]
	return r, ok
}
