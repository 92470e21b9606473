package canvas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Check tests the link with one cheap call: the token's own user.
func (c *Connector) Check(ctx context.Context) error {
	_, err := c.get(ctx, "check the token (users/self)", c.s.BaseURL+"/api/v1/users/self")
	return err
}

// account reads an account and returns its id.
func (c *Connector) account(ctx context.Context, acct string) (id, error) {
	ans, err := c.get(ctx, "account "+acct, c.s.BaseURL+"/api/v1/accounts/"+acct)
	if err != nil {
		return 0, err
	}
	var a struct {
		ID id `json:"id"`
	}
	if err := json.Unmarshal(ans.body, &a); err != nil || a.ID == 0 {
		return 0, fmt.Errorf("%s: account %s: Canvas's answer has no account id", c.prefix(), acct)
	}
	return a.ID, nil
}

// ValidateSelection checks that every unit parses and exists in Canvas,
// and that the rest of the selection reads.
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
			path = "/api/v1/courses/" + u.id
		case "account":
			path = "/api/v1/accounts/" + u.id
		case "term":
			path = "/api/v1/accounts/" + c.s.RootAccount + "/terms/" + u.id
		}
		if _, err := c.get(ctx, "look up "+u.String(), c.s.BaseURL+path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
