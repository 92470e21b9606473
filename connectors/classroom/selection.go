package classroom

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// Selection units, and the role keys Selection.Roles may use.
const (
	UnitAll     = "all"
	UnitCourse  = "course:"
	UnitTeacher = "teacher:"
	UnitOwner   = "owner:"

	RoleKeyTeacher = "teacher"
	RoleKeyStudent = "student"
)

// Errors ValidateSelection wraps, for callers that branch.
var (
	ErrUnknownCourse = errors.New("course does not exist")
	ErrUnknownUser   = errors.New("user does not exist")
)

const unitForms = "all, course:<id>, teacher:<email or id>, owner:<id or email>"

// unit is one parsed selection unit.
type unit struct {
	kind  string // UnitAll, UnitCourse, UnitTeacher, UnitOwner
	value string
}

func (u unit) String() string {
	if u.kind == UnitAll {
		return UnitAll
	}
	return u.kind + u.value
}

// plan is a checked selection.
type plan struct {
	units            []unit
	teacher, student license.Role
}

// planFor checks a selection's syntax.
func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no units (%s)", c.prefix(), unitForms)
	}
	if len(sel.Options) > 0 {
		for k := range sel.Options {
			return nil, fmt.Errorf("%s: selection option %q is unknown: google-classroom has none", c.prefix(), k)
		}
	}
	p := &plan{teacher: license.RoleTeacher, student: license.RoleStudent}
	for k, r := range sel.Roles {
		if !r.Valid() {
			return nil, fmt.Errorf("%s: selection roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		switch k {
		case RoleKeyTeacher:
			p.teacher = r
		case RoleKeyStudent:
			p.student = r
		default:
			return nil, fmt.Errorf("%s: selection roles[%q]: keys are %q and %q", c.prefix(), k, RoleKeyTeacher, RoleKeyStudent)
		}
	}
	seen := map[unit]bool{}
	for _, raw := range sel.Units {
		u, err := parseUnit(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: selection unit %q: %w", c.prefix(), raw, err)
		}
		if !seen[u] {
			seen[u] = true
			p.units = append(p.units, u)
		}
	}
	return p, nil
}

func parseUnit(s string) (unit, error) {
	if strings.EqualFold(s, UnitAll) {
		return unit{kind: UnitAll}, nil
	}
	for _, k := range []string{UnitCourse, UnitTeacher, UnitOwner} {
		v, ok := strings.CutPrefix(s, k)
		if !ok {
			continue
		}
		if v == "" || strings.ContainsAny(v, " /?#&") {
			return unit{}, fmt.Errorf("%s needs an id after the colon, without spaces or / ? # &", k)
		}
		if k == UnitTeacher || k == UnitOwner {
			v = strings.ToLower(v) // emails compare without case; ids are digits
		}
		return unit{kind: k, value: v}, nil
	}
	return unit{}, fmt.Errorf("must be one of %s", unitForms)
}
