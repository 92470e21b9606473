package ldap

import (
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// unitKind is what a unit names.
type unitKind string

const (
	kindOU          unitKind = "ou"
	kindOUOneLevel  unitKind = "ou-onelevel"
	kindGroup       unitKind = "group"
	kindNestedGroup unitKind = "nested-group"
	kindFilter      unitKind = "filter"
)

// unit is one parsed selection unit.
type unit struct {
	raw  string
	kind unitKind
	arg  string // a DN, or a filter
	role license.Role
}

// parseUnits reads the selection's units, naming the bad one. Roles are
// looked up by the whole unit, then by its DN alone.
func parseUnits(sel connectors.Selection) ([]unit, error) {
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("units: an ldap deployment names what it takes: ou:<DN>, ou-onelevel:<DN>, group:<DN>, nested-group:<DN> or filter:<LDAP filter>")
	}
	out := make([]unit, 0, len(sel.Units))
	for _, raw := range sel.Units {
		k, arg, ok := strings.Cut(raw, ":")
		u := unit{raw: raw, kind: unitKind(k), arg: strings.TrimSpace(arg)}
		if !ok || u.arg == "" {
			return nil, fmt.Errorf("unit %q: want ou:<DN>, ou-onelevel:<DN>, group:<DN>, nested-group:<DN> or filter:<LDAP filter>", raw)
		}
		switch u.kind {
		case kindOU, kindOUOneLevel, kindGroup, kindNestedGroup:
			if _, err := ldap.ParseDN(u.arg); err != nil {
				return nil, fmt.Errorf("unit %q: %q is not a DN: %v", raw, u.arg, err)
			}
		case kindFilter:
			if _, err := ldap.CompileFilter(u.arg); err != nil {
				return nil, fmt.Errorf("unit %q: bad LDAP filter: %v", raw, err)
			}
		default:
			return nil, fmt.Errorf("unit %q: unknown kind %q (want ou, ou-onelevel, group, nested-group or filter)", raw, k)
		}
		if r, ok := sel.Roles[raw]; ok {
			u.role = r
		} else if r, ok := sel.Roles[u.arg]; ok {
			u.role = r
		}
		out = append(out, u)
	}
	return out, nil
}
