package blackboard

import (
	"context"
	"errors"
	"net/url"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Check tests the link with one cheap call that needs a token and the
// entitlement to list courses: the first course of the site.
func (c *Connector) Check(ctx context.Context) error {
	_, err := c.get(ctx, "check the application (list one course)", c.s.BaseURL+"/learn/api/public/v3/courses?limit=1")
	return err
}

// ValidateSelection checks that every unit parses and exists in Learn.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range p.units {
		var path string
		switch u.kind {
		case "course":
			path = "/learn/api/public/v3/courses/" + url.PathEscape(u.id)
		case "term":
			path = "/learn/api/public/v1/terms/" + url.PathEscape(u.id)
		case "datasource":
			path = "/learn/api/public/v1/dataSources/" + url.PathEscape(u.id)
		}
		if _, err := c.get(ctx, "look up "+u.String(), c.s.BaseURL+path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
