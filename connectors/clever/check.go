package clever

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Check tests the link with one cheap call: the districts the token sees.
func (c *Connector) Check(ctx context.Context) error {
	var n int
	err := pages(ctx, c, "check the token (districts)", "/districts", func(page []*struct {
		ID string `json:"id"`
	}) error {
		n += len(page)
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: check the token: the token sees no district (is the app connected to the district?)", c.prefix())
	}
	return nil
}

// ValidateSelection checks that every unit parses and that Clever shares
// its school, section or teacher with the app.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range p.units {
		switch u.kind {
		case "school":
			_, err = one[struct{}](ctx, c, "look up "+u.String(), "/schools/"+url.PathEscape(u.id))
		case "section":
			_, err = one[struct{}](ctx, c, "look up "+u.String(), "/sections/"+url.PathEscape(u.id))
		case "teacher":
			var t *user
			t, err = one[user](ctx, c, "look up "+u.String(), "/users/"+url.PathEscape(u.id))
			if err == nil && t.Roles["teacher"] == nil {
				err = fmt.Errorf("%s: %s: that Clever user is not a teacher", c.prefix(), u)
			}
		default:
			err = nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
