package oneroster

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// Selection unit prefixes.
const (
	unitOrg   = "org:"
	unitClass = "class:"
)

// defaultRoles maps OneRoster role names (1.1 and 1.2, enrollments and
// users) to Rollcall roles. Names missing here are left out unless the
// selection maps them: guardian, parent and relative above all.
var defaultRoles = map[string]license.Role{
	"student":               license.RoleStudent,
	"teacher":               license.RoleTeacher,
	"aide":                  license.RoleTeacher,
	"administrator":         license.RoleOther,
	"proctor":               license.RoleOther,
	"principal":             license.RoleOther,
	"counselor":             license.RoleOther,
	"siteAdministrator":     license.RoleOther,
	"districtAdministrator": license.RoleOther,
	"systemAdministrator":   license.RoleOther,
}

// excludedByDefault are role names the spec knows that are left out
// unless Selection.Roles names them.
var excludedByDefault = []string{"guardian", "parent", "relative"}

func knownRole(name string) bool {
	_, ok := defaultRoles[name]
	return ok || slices.Contains(excludedByDefault, name) || strings.HasPrefix(name, "ext:")
}

// optOrgRoles is the bundle connector's selection option: "true" makes
// an org:<id> unit take, besides everyone enrolled in its classes,
// everyone holding a role at that org (roles.csv in 1.2, users.csv's
// role and orgSourcedIds in 1.1), such as a principal or a counselor who
// teaches no class.
const optOrgRoles = "include_org_roles"

// plan is a checked selection.
type plan struct {
	orgs     []string // school sourcedIds, distinct, in selection order
	classes  []string // class sourcedIds
	roles    map[string]license.Role
	def      license.Role // for extension roles; empty: left out
	orgRoles bool         // optOrgRoles
}

// planFor checks a selection's syntax: units, role keys and values, and
// options among those the connector reads (known). It does not ask the
// source whether the units exist (ValidateSelection does).
func planFor(prefix string, sel connectors.Selection, known ...string) (*plan, error) {
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no units (org:<school sourcedId> or class:<class sourcedId>)", prefix)
	}
	var unknown []string
	for k := range sel.Options {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		if len(known) == 0 {
			return nil, fmt.Errorf("%s: selection options %q are unknown: this connector has none", prefix, unknown)
		}
		return nil, fmt.Errorf("%s: selection options %q are unknown: this connector has %q", prefix, unknown, known)
	}
	p := &plan{roles: make(map[string]license.Role, len(defaultRoles)+len(sel.Roles)), def: sel.DefaultRole}
	switch v, set := sel.Options[optOrgRoles]; {
	case !set:
	case v == "true" || v == "false":
		p.orgRoles = v == "true"
	default:
		return nil, fmt.Errorf("%s: selection option %s = %q: must be true or false", prefix, optOrgRoles, v)
	}
	for _, u := range sel.Units {
		kind, id, err := parseUnit(u)
		if err != nil {
			return nil, fmt.Errorf("%s: selection unit %q: %w", prefix, u, err)
		}
		list := &p.orgs
		if kind == unitClass {
			list = &p.classes
		}
		if !slices.Contains(*list, id) {
			*list = append(*list, id)
		}
	}
	for k, r := range defaultRoles {
		p.roles[k] = r
	}
	for k, r := range sel.Roles {
		if !knownRole(k) {
			return nil, fmt.Errorf("%s: selection roles[%q]: not a OneRoster role (student, teacher, aide, administrator, proctor, guardian, parent, relative, principal, counselor, siteAdministrator, districtAdministrator, systemAdministrator, or ext:<name>)", prefix, k)
		}
		if !r.Valid() {
			return nil, fmt.Errorf("%s: selection roles[%q] = %q: must be student, teacher or other", prefix, k, r)
		}
		p.roles[k] = r
	}
	if p.def != "" && !p.def.Valid() {
		return nil, fmt.Errorf("%s: selection default_role %q: must be student, teacher or other", prefix, p.def)
	}
	return p, nil
}

// parseUnit splits "org:<id>" or "class:<id>".
func parseUnit(u string) (kind, id string, err error) {
	for _, k := range []string{unitOrg, unitClass} {
		if rest, ok := strings.CutPrefix(u, k); ok {
			if strings.TrimSpace(rest) == "" || rest != strings.TrimSpace(rest) {
				return "", "", fmt.Errorf("the sourcedId after %q is empty or has spaces around it", k)
			}
			return k, rest, nil
		}
	}
	return "", "", fmt.Errorf("must be org:<school sourcedId> or class:<class sourcedId>")
}

// role maps a OneRoster role name; ok is false for roles left out.
func (p *plan) role(name string) (license.Role, bool) {
	if r, ok := p.roles[name]; ok {
		return r, true
	}
	if strings.HasPrefix(name, "ext:") && p.def != "" {
		return p.def, true
	}
	return "", false
}

// emailOf is the address a user is claimed under: email, else username
// when it is an address and fallback is on.
func emailOf(email, username string, fallback bool) string {
	if e := strings.TrimSpace(email); e != "" {
		return e
	}
	if !fallback {
		return ""
	}
	u := strings.TrimSpace(username)
	if !strings.Contains(u, "@") {
		return ""
	}
	if a, err := mail.ParseAddress(u); err != nil || a.Address != u {
		return ""
	}
	return u
}

func displayName(given, family string) string {
	given, family = strings.TrimSpace(given), strings.TrimSpace(family)
	switch {
	case given == "":
		return family
	case family == "":
		return given
	}
	return given + " " + family
}
