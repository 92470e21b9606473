package canvas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

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
// that the rest of the selection reads, and that the token may see the
// email addresses of the people it would sync: for a course, one user of
// the course ("List users in course", include[]=email, per_page=1); for
// an account, one user of the account; for a term, the term and one user
// of the root account. Without read_email_addresses Canvas leaves the
// email key out, and the check fails with ErrEmailPermission.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range p.units {
		var probe string
		switch u.kind {
		case "course":
			q := c.usersQuery(p, 1)
			probe = "/api/v1/courses/" + u.id + "/users?" + q.Encode()
		case "account":
			probe = "/api/v1/accounts/" + u.id + "/users?include%5B%5D=email&per_page=1"
		case "term":
			if _, err := c.get(ctx, "look up "+u.String(), c.s.BaseURL+"/api/v1/accounts/"+c.s.RootAccount+"/terms/"+u.id); err != nil {
				errs = append(errs, err)
				continue
			}
			probe = "/api/v1/accounts/" + c.s.RootAccount + "/users?include%5B%5D=email&per_page=1"
		}
		call := "look up " + u.String() + " and whether its users' emails are visible"
		ans, err := c.get(ctx, call, c.s.BaseURL+probe)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var page []courseUser
		if err := json.Unmarshal(ans.body, &page); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: Canvas's answer is not a list as documented: %w", c.prefix(), call, err))
			continue
		}
		for _, usr := range page {
			confirmed := u.kind != "course" // account users always show personal information
			for _, e := range usr.Enrollments {
				confirmed = confirmed || !slices.Contains(unconfirmed, e.EnrollmentState)
			}
			if !usr.Email.set && confirmed {
				errs = append(errs, fmt.Errorf("%s: %s: %w", c.prefix(), call, ErrEmailPermission))
			}
		}
	}
	return errors.Join(errs...)
}
