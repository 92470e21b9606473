package googledirectory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/googleapi"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// OptionIncludeSubOrgUnits is the selection option that, set to "false",
// keeps only people directly in the selected units.
const OptionIncludeSubOrgUnits = "include_sub_org_units"

// userFields is the partial response users.list asks for.
const userFields googleapi.Field = "nextPageToken,users(id,primaryEmail,name/fullName,orgUnitPath,suspended,archived)"

// plan is a checked selection, ready to query.
type plan struct {
	query []string        // units to list, none inside another
	exact map[string]bool // lower-cased units, when sub-units are excluded
	roles []roleRule      // longest path first
	def   license.Role
}

type roleRule struct {
	path string
	role license.Role
}

// planFor checks a selection's syntax and works out the queries.
func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no org units", c.prefix())
	}
	sub := true
	for k, v := range sel.Options {
		if k != OptionIncludeSubOrgUnits {
			return nil, fmt.Errorf("%s: selection option %q is unknown (known: %s)", c.prefix(), k, OptionIncludeSubOrgUnits)
		}
		switch strings.ToLower(v) {
		case "true", "":
		case "false":
			sub = false
		default:
			return nil, fmt.Errorf("%s: selection option %s=%q must be true or false", c.prefix(), k, v)
		}
	}
	var units []string
	for _, u := range sel.Units {
		if err := checkPath(u); err != nil {
			return nil, fmt.Errorf("%s: selection unit %q: %w", c.prefix(), u, err)
		}
		if !slices.ContainsFunc(units, func(x string) bool { return strings.EqualFold(x, u) }) {
			units = append(units, u)
		}
	}
	p := &plan{def: sel.DefaultRole}
	for k, r := range sel.Roles {
		if err := checkPath(k); err != nil {
			return nil, fmt.Errorf("%s: selection roles[%q]: keys are org unit paths: %w", c.prefix(), k, err)
		}
		if !r.Valid() {
			return nil, fmt.Errorf("%s: selection roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		p.roles = append(p.roles, roleRule{path: k, role: r})
	}
	slices.SortFunc(p.roles, func(a, b roleRule) int {
		if d := len(b.path) - len(a.path); d != 0 {
			return d
		}
		return strings.Compare(a.path, b.path)
	})
	// Google's query reads a whole subtree, so a unit inside another
	// selected unit adds nothing to ask for: read through the outer one.
	slices.SortFunc(units, func(a, b string) int { return len(a) - len(b) })
	for _, u := range units {
		if !slices.ContainsFunc(p.query, func(outer string) bool { return under(u, outer) }) {
			p.query = append(p.query, u)
		}
	}
	if !sub {
		p.exact = map[string]bool{}
		for _, u := range units {
			p.exact[strings.ToLower(u)] = true
		}
	}
	return p, nil
}

// checkPath accepts "/" and "/A/B" paths without empty parts.
func checkPath(p string) error {
	switch {
	case p == "/":
		return nil
	case !strings.HasPrefix(p, "/"):
		return errors.New("an org unit path must start with /")
	case strings.HasSuffix(p, "/"):
		return errors.New("an org unit path must not end with /")
	case strings.Contains(p, "//"):
		return errors.New("an org unit path has an empty part")
	}
	return nil
}

// under reports whether path is ou or inside it, case-insensitively as
// Google compares org unit paths.
func under(path, ou string) bool {
	if ou == "/" || strings.EqualFold(path, ou) {
		return true
	}
	return len(path) > len(ou) && path[len(ou)] == '/' && strings.EqualFold(path[:len(ou)], ou)
}

func (p *plan) role(ou string) license.Role {
	for _, r := range p.roles {
		if under(ou, r.path) {
			return r.role
		}
	}
	return p.def
}

// orgUnitQuery is Google's search clause for a unit and its subtree; the
// root needs none. Values are single-quoted with \ escaping ' and \.
func orgUnitQuery(ou string) string {
	if ou == "/" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "orgUnitPath='" + r.Replace(ou) + "'"
}

func (c *Connector) userQuery(ou string) string {
	parts := []string{}
	if q := orgUnitQuery(ou); q != "" {
		parts = append(parts, q)
	}
	if !c.s.IncludeSuspended {
		parts = append(parts, "isSuspended=false")
	}
	if !c.s.IncludeArchived {
		parts = append(parts, "isArchived=false")
	}
	return strings.Join(parts, " ")
}

// Fetch lists the users of every selected org unit. Units are read
// concurrently, and a unit bigger than one page is split into one listing
// per first character of the primary email (see split.go); every listing
// waits on the connector's quota.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	r := newRead(ctx, c.s.Concurrency, emit)
	for _, ou := range p.query {
		r.spawn(func(ctx context.Context) error { return c.readUnit(ctx, r, p, ou) })
	}
	return r.wait()
}

// emitError marks an error from the caller's emit, passed through as is.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }

// person converts a user to a person, or reports that the selection
// leaves the user out.
func (c *Connector) person(p *plan, u *admin.User) (connectors.Person, bool) {
	if (u.Suspended && !c.s.IncludeSuspended) || (u.Archived && !c.s.IncludeArchived) {
		return connectors.Person{}, false
	}
	if p.exact != nil && !p.exact[strings.ToLower(u.OrgUnitPath)] {
		return connectors.Person{}, false
	}
	person := connectors.Person{
		ExternalID: u.Id,
		Email:      u.PrimaryEmail,
		OrgUnit:    u.OrgUnitPath,
		Role:       p.role(u.OrgUnitPath),
	}
	if u.Name != nil {
		person.Name = u.Name.FullName
	}
	return person, true
}

// listCall is users.list for one listing, asking only for the fields the
// planner uses.
func (c *Connector) listCall(q string) *admin.UsersListCall {
	call := c.svc.Users.List().Customer(c.s.Customer).MaxResults(int64(c.s.MaxResults)).
		Projection("basic").Fields(userFields)
	if q != "" {
		call = call.Query(q)
	}
	return call
}

// listing pages through one query to the end, passing each page's
// users that keep(u) accepts to r.
func (c *Connector) listing(ctx context.Context, r *read, p *plan, ou, q string, keep func(*admin.User) bool) error {
	pages := 0
	err := c.listCall(q).Pages(ctx, func(resp *admin.Users) error {
		pages++
		return c.sendPage(r, p, resp.Users, keep)
	})
	return c.listError(ctx, ou, q, pages+1, err)
}

// sendPage converts and sends the users keep accepts (all when nil).
func (c *Connector) sendPage(r *read, p *plan, users []*admin.User, keep func(*admin.User) bool) error {
	out := make([]connectors.Person, 0, len(users))
	for _, u := range users {
		if keep != nil && !keep(u) {
			continue
		}
		if person, ok := c.person(p, u); ok {
			out = append(out, person)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return r.send(out)
}

// listError names the connector, the unit, the query and the page.
func (c *Connector) listError(ctx context.Context, ou, q string, page int, err error) error {
	var ee emitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return fmt.Errorf("%s: users of %s: %w", c.prefix(), ou, ee.err)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: users.list of %s, page %d: %w", c.prefix(), ou, page, context.Cause(ctx))
	}
	return c.wrap(fmt.Sprintf("users.list of %s (query %q), page %d", ou, q, page), err)
}
