package canvas

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// unit is one parsed selection unit.
type unit struct {
	kind string // course, account or term
	id   string // digits, or "self" for an account
}

func (u unit) String() string { return u.kind + ":" + u.id }

func parseUnit(s string) (unit, error) {
	kind, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	u := unit{kind: strings.ToLower(kind), id: id}
	switch {
	case !ok:
	case u.kind == "course" || u.kind == "term":
		if digits(id) {
			return u, nil
		}
	case u.kind == "account":
		if digits(id) || id == "self" {
			return u, nil
		}
	}
	return unit{}, fmt.Errorf("unit %q: %w", s, ErrBadUnit)
}

// Enrollment types.
const (
	studentEnrollment  = "StudentEnrollment"
	teacherEnrollment  = "TeacherEnrollment"
	taEnrollment       = "TaEnrollment"
	designerEnrollment = "DesignerEnrollment"
	observerEnrollment = "ObserverEnrollment"
)

var enrollmentStates = []string{"active", "invited", "inactive", "completed", "deleted", "creation_pending", "rejected"}

// plan is a selection read for one Fetch.
type plan struct {
	units        []unit
	types        []string // type[] asked for
	states       []string // enrollment states kept
	courseStates []string
	subAccounts  bool
	roles        map[string]license.Role
}

// planFor checks sel and works out what to ask Canvas.
func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	p := &plan{states: []string{"active"}, courseStates: []string{"available"}, subAccounts: true,
		roles: map[string]license.Role{
			studentEnrollment: license.RoleStudent, teacherEnrollment: license.RoleTeacher,
			taEnrollment: license.RoleTeacher, designerEnrollment: license.RoleTeacher,
		}}
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no unit (course:<id>, account:<id> or term:<id>)", c.prefix())
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
	if c.s.IncludeObservers != "" {
		p.roles[observerEnrollment] = c.s.IncludeObservers
	}
	for k, r := range sel.Roles {
		if !r.Valid() {
			return nil, fmt.Errorf("%s: roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		p.roles[k] = r
	}
	for _, t := range []string{studentEnrollment, teacherEnrollment, taEnrollment, designerEnrollment, observerEnrollment} {
		if _, ok := p.roles[t]; ok {
			p.types = append(p.types, t)
		}
	}
	if v := sel.Options["enrollment_states"]; v != "" {
		p.states = nil
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			if !slices.Contains(enrollmentStates, st) {
				return nil, fmt.Errorf("%s: option enrollment_states: %q is not one of %s", c.prefix(), st, strings.Join(enrollmentStates, ", "))
			}
			p.states = append(p.states, st)
		}
	}
	if v := sel.Options["course_states"]; v != "" {
		p.courseStates = nil
		for _, st := range strings.Split(v, ",") {
			p.courseStates = append(p.courseStates, strings.TrimSpace(st))
		}
	}
	switch v := sel.Options["include_sub_accounts"]; v {
	case "", "true":
	case "false":
		p.subAccounts = false
	default:
		return nil, fmt.Errorf("%s: option include_sub_accounts: %q must be true or false", c.prefix(), v)
	}
	return p, nil
}

// userTypes are the enrollment_type[] values of "List users in course"
// for the mapped types; none (every user) when a custom role is mapped,
// since a custom role may be based on any type.
func (p *plan) userTypes() []string {
	names := map[string]string{studentEnrollment: "student", teacherEnrollment: "teacher", taEnrollment: "ta",
		designerEnrollment: "designer", observerEnrollment: "observer"}
	var out []string
	for k := range p.roles {
		if _, base := names[k]; !base {
			return nil
		}
	}
	for _, t := range p.types {
		out = append(out, names[t])
	}
	return out
}

// courseLive reports whether a course in workflow state st (as a course
// object says it: unpublished, available, completed, deleted) is one the
// plan reads; course_states speaks the course list's words, in which an
// unpublished course is created or claimed.
func (p *plan) courseLive(st string) bool {
	if st == "unpublished" {
		return slices.Contains(p.courseStates, "created") || slices.Contains(p.courseStates, "claimed") ||
			slices.Contains(p.courseStates, "unpublished")
	}
	return slices.Contains(p.courseStates, st) || slices.Contains(p.courseStates, "all")
}

// role maps one enrollment, by custom role name first, then type.
func (p *plan) role(typ, role string) (license.Role, bool) {
	if r, ok := p.roles[role]; ok && role != "" {
		return r, true
	}
	r, ok := p.roles[typ]
	return r, ok
}
