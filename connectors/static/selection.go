package static

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// Options this connector reads from a deployment's options.
const optSubUnits = "include_sub_org_units"

// selector is a Selection compiled for matching rows quickly.
type selector struct {
	units     []string // normalized; empty: everyone
	subUnits  bool     // a unit also selects the units below it
	unitRoles []unitRole
	names     map[string]license.Role // roles keyed by a role name the file may use
	def       license.Role
}

type unitRole struct {
	unit string
	role license.Role
}

// compile checks a selection as far as it can without the file.
func compile(sel connectors.Selection) (*selector, error) {
	s := &selector{subUnits: true, def: sel.DefaultRole, names: map[string]license.Role{}}
	var errs []error
	for k, v := range sel.Options {
		switch k {
		case optSubUnits:
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("options.%s: %q must be true or false", k, v))
			}
			s.subUnits = b
		default:
			errs = append(errs, fmt.Errorf("options.%s: unknown option (the static connector reads %s)", k, optSubUnits))
		}
	}
	for i, u := range sel.Units {
		n, err := normUnit(u)
		if err != nil {
			errs = append(errs, fmt.Errorf("units[%d]: %w", i, err))
			continue
		}
		s.units = append(s.units, n)
	}
	for k, r := range sel.Roles {
		if !r.Valid() {
			errs = append(errs, fmt.Errorf("roles[%q]: %q must be student, teacher or other", k, r))
			continue
		}
		if strings.HasPrefix(k, "/") {
			n, _ := normUnit(k)
			s.unitRoles = append(s.unitRoles, unitRole{n, r})
		} else {
			s.names[strings.ToLower(strings.TrimSpace(k))] = r
		}
	}
	// Longest first, so the first match is the most specific unit.
	slices.SortFunc(s.unitRoles, func(a, b unitRole) int {
		return cmp.Or(cmp.Compare(len(b.unit), len(a.unit)), strings.Compare(a.unit, b.unit))
	})
	if s.def != "" && !s.def.Valid() {
		errs = append(errs, fmt.Errorf("default_role: %q must be student, teacher or other", s.def))
	}
	return s, errors.Join(errs...)
}

// normUnit checks an org unit path and drops a trailing slash.
func normUnit(u string) (string, error) {
	u = strings.TrimSpace(u)
	if !strings.HasPrefix(u, "/") {
		return "", fmt.Errorf("%q must be an org unit path starting with /, e.g. /Students", u)
	}
	if len(u) > 1 {
		u = strings.TrimRight(u, "/")
		if u == "" {
			u = "/"
		}
	}
	return u, nil
}

// within reports whether org unit ou is unit or lies below it, on "/"
// boundaries: /Students holds /Students/High but not /StudentsOld.
func within(ou, unit string) bool {
	if unit == "/" {
		return strings.HasPrefix(ou, "/")
	}
	return strings.HasPrefix(ou, unit) && (len(ou) == len(unit) || ou[len(unit)] == '/')
}

func trimUnit(ou string) string {
	for len(ou) > 1 && ou[len(ou)-1] == '/' {
		ou = ou[:len(ou)-1]
	}
	return ou
}

// selects reports whether the row's org unit is in the selection.
func (s *selector) selects(ou string) bool {
	if len(s.units) == 0 {
		return true
	}
	ou = trimUnit(ou)
	for _, u := range s.units {
		if ou == u || s.subUnits && within(ou, u) {
			return true
		}
	}
	return false
}

// role decides a selected row's role: the file's own, else the most
// specific unit mapping, else the default.
func (s *selector) role(c *Connector, r *row) (license.Role, error) {
	if r.role != "" {
		switch role := license.Role(strings.ToLower(r.role)); {
		case role.Valid():
			return role, nil
		default:
			if mapped, ok := s.names[string(role)]; ok {
				return mapped, nil
			}
		}
		return "", c.fileError(r.line, "role", "%q is not student, teacher or other, nor a role name the deployment's roles map", r.role)
	}
	ou := trimUnit(r.orgUnit)
	for _, ur := range s.unitRoles {
		if within(ou, ur.unit) {
			return ur.role, nil
		}
	}
	return s.def, nil
}
