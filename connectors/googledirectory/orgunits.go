package googledirectory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
)

// OrgUnit is one organizational unit, for the dashboard's picker.
type OrgUnit = connectors.OrgUnit

// OrgUnits lists every org unit of the account, sorted by path, starting
// with the root "/" (the whole account), which orgunits.list leaves out.
func (c *Connector) OrgUnits(ctx context.Context) ([]OrgUnit, error) {
	resp, err := c.svc.Orgunits.List(c.s.Customer).Type("all").
		Fields("organizationUnits(name,orgUnitPath,parentOrgUnitPath)").Context(ctx).Do()
	if err != nil {
		return nil, c.wrap("orgunits.list", err)
	}
	out := []OrgUnit{{Path: "/"}}
	for _, ou := range resp.OrganizationUnits {
		if ou.OrgUnitPath == "/" {
			continue
		}
		out = append(out, OrgUnit{Path: ou.OrgUnitPath, Name: ou.Name, Parent: ou.ParentOrgUnitPath})
	}
	slices.SortFunc(out[1:], func(a, b OrgUnit) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// ValidateSelection checks a selection's syntax, then that every unit it
// names (and every unit its roles map) exists in the account.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	if _, err := c.planFor(sel); err != nil {
		return err
	}
	ous, err := c.OrgUnits(ctx)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(ous))
	for _, ou := range ous {
		known[strings.ToLower(ou.Path)] = true
	}
	var errs []error
	for _, u := range sel.Units {
		if !known[strings.ToLower(u)] {
			errs = append(errs, fmt.Errorf("%s: org unit %s: %w", c.prefix(), u, ErrUnknownOrgUnit))
		}
	}
	keys := make([]string, 0, len(sel.Roles))
	for k := range sel.Roles {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !known[strings.ToLower(k)] {
			errs = append(errs, fmt.Errorf("%s: roles[%q]: org unit %s: %w", c.prefix(), k, k, ErrUnknownOrgUnit))
		}
	}
	return errors.Join(errs...)
}

// Check makes one cheap call that needs working credentials, delegation
// and an admin subject: a users.list of one user, one field.
func (c *Connector) Check(ctx context.Context) error {
	_, err := c.svc.Users.List().Customer(c.s.Customer).MaxResults(1).Fields("users(id)").Context(ctx).Do()
	return c.wrap("users.list (link check)", err)
}

var (
	_ connectors.Connector          = (*Connector)(nil)
	_ connectors.SelectionValidator = (*Connector)(nil)
	_ connectors.Checker            = (*Connector)(nil)
)
