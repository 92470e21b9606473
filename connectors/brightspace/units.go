package brightspace

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// unit is one parsed selection unit.
type unit struct {
	kind string // orgunit, offering or section
	id   string // digits
}

func (u unit) String() string { return u.kind + ":" + u.id }

func parseUnit(s string) (unit, error) {
	kind, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	u := unit{kind: strings.ToLower(kind), id: strings.TrimSpace(id)}
	switch {
	case !ok || !digits(u.id):
	case u.kind == "orgunit" || u.kind == "offering" || u.kind == "section":
		return u, nil
	}
	return unit{}, fmt.Errorf("unit %q: %w", s, ErrBadUnit)
}

// plan is a selection read for one Fetch.
type plan struct {
	units  []unit
	byID   map[int]license.Role    // role id -> role
	byName map[string]license.Role // role name -> role, where keyed by name
}

// role maps one enrollment's role, by id first, then by name.
func (p *plan) role(id int, name string) (license.Role, bool) {
	if r, ok := p.byID[id]; ok {
		return r, true
	}
	r, ok := p.byName[name]
	return r, ok
}

func (p *plan) add(key string, r license.Role) {
	if n, err := strconv.Atoi(strings.TrimSpace(key)); err == nil {
		p.byID[n] = r
		return
	}
	p.byName[key] = r
}

// planFor checks sel and works out what to ask Brightspace.
func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	p := &plan{byID: map[int]license.Role{}, byName: map[string]license.Role{}}
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no unit (orgunit:<id>, offering:<id> or section:<id>)", c.prefix())
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
		p.add(k, r)
	}
	for k, r := range sel.Roles {
		if !r.Valid() {
			return nil, fmt.Errorf("%s: roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		p.add(k, r)
	}
	for k := range sel.Options {
		return nil, fmt.Errorf("%s: unknown option %q (brightspace takes none)", c.prefix(), k)
	}
	return p, nil
}
