package brightspace

import (
	"context"
	"errors"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Check tests the link: the lp version, then who the token acts as (one
// call each; the first also spends and saves the refresh token).
func (c *Connector) Check(ctx context.Context) error {
	v, err := c.lp(ctx)
	if err != nil {
		return err
	}
	_, err = c.get(ctx, "check the token (users/whoami)", c.s.BaseURL+"/d2l/api/lp/"+v+"/users/whoami")
	return err
}

// ValidateSelection checks that every unit parses and that its org unit
// exists and is visible.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	v, err := c.lp(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range p.units {
		if _, err := c.get(ctx, "look up "+u.String(), c.s.BaseURL+"/d2l/api/lp/"+v+"/orgstructure/"+u.id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
