package clever

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// unit is one parsed selection unit.
type unit struct {
	kind string // district, school, section, teacher
	id   string // empty for district
}

func (u unit) String() string {
	if u.kind == "district" {
		return "district"
	}
	return u.kind + ":" + u.id
}

// parseUnit reads district, school:<id>, section:<id> or teacher:<id>.
func parseUnit(s string) (unit, error) {
	s = strings.TrimSpace(s)
	if s == "district" {
		return unit{kind: "district"}, nil
	}
	kind, id, ok := strings.Cut(s, ":")
	if !ok || id == "" || strings.ContainsAny(id, "/?#&% ") {
		return unit{}, fmt.Errorf("%q: %w", s, ErrBadUnit)
	}
	switch kind {
	case "school", "section", "teacher":
		return unit{kind: kind, id: id}, nil
	}
	return unit{}, fmt.Errorf("%q: %w", s, ErrBadUnit)
}

// districtRoles are Clever's roles read for district and school units,
// strongest last so that a log of a read reads naturally.
var districtRoles = []string{"student", "teacher", "staff", "district_admin"}

// plan is a selection made ready to read.
type plan struct {
	units []unit
	roles map[string]license.Role // Clever role → Rollcall role; absent: not read
}

// planFor checks the selection: every unit parses, the roles map only
// names Clever roles. Contacts cannot be mapped: guardians are never
// members of a license through Clever.
func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no unit (want district, school:<id>, section:<id> or teacher:<id>)", c.prefix())
	}
	p := &plan{roles: map[string]license.Role{"student": license.RoleStudent, "teacher": license.RoleTeacher}}
	seen := map[string]bool{}
	for _, s := range sel.Units {
		u, err := parseUnit(s)
		if err != nil {
			return nil, fmt.Errorf("%s: unit %w", c.prefix(), err)
		}
		if !seen[u.String()] {
			seen[u.String()] = true
			p.units = append(p.units, u)
		}
	}
	for k, r := range sel.Roles {
		switch {
		case k == "contact":
			return nil, fmt.Errorf("%s: roles[%q]: Clever contacts (guardians) are never members", c.prefix(), k)
		case !slices.Contains(districtRoles, k):
			return nil, fmt.Errorf("%s: roles[%q]: not a Clever role (want student, teacher, staff or district_admin)", c.prefix(), k)
		case !r.Valid():
			return nil, fmt.Errorf("%s: roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		p.roles[k] = r
	}
	return p, nil
}
