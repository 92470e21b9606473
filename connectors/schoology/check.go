package schoology

import (
	"context"
	"errors"
	"fmt"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Check tests the key with one cheap call the sync needs anyway: the
// school's roles, which only a key that may read the school can list.
func (c *Connector) Check(ctx context.Context) error {
	_, err := c.get(ctx, "check the consumer key (roles)", c.s.BaseURL+"/v1/roles")
	return err
}

// ValidateSelection checks that every unit parses and exists.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range p.units {
		var path string
		switch u.kind {
		case "school":
			path = "/v1/schools/" + u.id
		case "building":
			// Schoology has no building lookup by id for a key: a building
			// whose course list is empty is reported as unknown.
			body, err := c.get(ctx, "look up "+u.String(), c.s.BaseURL+"/v1/courses?building_id="+u.id+"&start=0&limit=1")
			if err != nil {
				errs = append(errs, err)
				continue
			}
			var ans struct{ Total num }
			if err := c.decode("look up "+u.String(), body, &ans); err != nil {
				errs = append(errs, err)
			} else if ans.Total == 0 {
				errs = append(errs, fmt.Errorf("%s: %s has no courses: %w", c.prefix(), u, ErrUnknownUnit))
			}
			continue
		case "course":
			path = "/v1/courses/" + u.id
		case "section":
			path = "/v1/sections/" + u.id
		}
		if _, err := c.get(ctx, "look up "+u.String(), c.s.BaseURL+path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
