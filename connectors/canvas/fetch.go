package canvas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
)

// id decodes a Canvas id sent as a number or, with the string-ids
// Accept header some proxies add, as a string.
type id int64

func (i *id) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if string(b) == "null" || len(b) == 0 {
		*i = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("id %s is not an integer", b)
	}
	*i = id(n)
	return nil
}

type enrollment struct {
	UserID          id     `json:"user_id"`
	CourseID        id     `json:"course_id"`
	Type            string `json:"type"`
	Role            string `json:"role"`
	EnrollmentState string `json:"enrollment_state"`
	User            struct {
		ID      id     `json:"id"`
		Name    string `json:"name"`
		LoginID string `json:"login_id"`
		Email   string `json:"email"`
	} `json:"user"`
}

type course struct {
	ID        id `json:"id"`
	AccountID id `json:"account_id"`
}

// Fetch emits everyone enrolled in the selection's courses, one emit per
// page of enrollments. A person enrolled in several courses is emitted
// once per enrollment; the planner folds them.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	done := map[id]bool{} // a course reached through two units is read once
	buf := make([]connectors.Person, 0, c.s.PerPage)
	readCourse := func(cid id) error {
		if done[cid] {
			return nil
		}
		done[cid] = true
		return c.enrollments(ctx, p, cid, &buf, emit)
	}
	for _, u := range p.units {
		switch u.kind {
		case "course":
			n, _ := strconv.ParseInt(u.id, 10, 64)
			if err := readCourse(id(n)); err != nil {
				return err
			}
		case "account", "term":
			err := c.courses(ctx, p, u, func(cs []course) error {
				for _, cr := range cs {
					if err := readCourse(cr.ID); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// enrollments reads one course's roster page by page.
func (c *Connector) enrollments(ctx context.Context, p *plan, cid id, buf *[]connectors.Person, emit func([]connectors.Person) error) error {
	q := url.Values{}
	for _, t := range p.types {
		q.Add("type[]", t)
	}
	for _, st := range p.states {
		q.Add("state[]", st)
	}
	q.Add("include[]", "email")
	q.Set("per_page", strconv.Itoa(c.s.PerPage))
	cs := strconv.FormatInt(int64(cid), 10)
	first := c.s.BaseURL + "/api/v1/courses/" + cs + "/enrollments?" + q.Encode()
	unitName := "course:" + cs
	return c.paginate(ctx, "enrollments of course "+cs, first, func(body []byte) error {
		var page []enrollment
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		out := (*buf)[:0]
		for i := range page {
			e := &page[i]
			if !slices.Contains(p.states, e.EnrollmentState) {
				continue
			}
			role, ok := p.role(e.Type, e.Role)
			if !ok {
				continue
			}
			uid := e.User.ID
			if uid == 0 {
				uid = e.UserID
			}
			out = append(out, connectors.Person{
				ExternalID: strconv.FormatInt(int64(uid), 10),
				Email:      emailOf(e.User.Email, e.User.LoginID),
				Name:       e.User.Name,
				Role:       role,
				OrgUnit:    unitName,
			})
		}
		*buf = out
		if len(out) == 0 {
			return nil
		}
		return emit(out)
	})
}

// emailOf is the user's email, else their login when it is an email.
func emailOf(email, login string) string {
	if strings.TrimSpace(email) != "" {
		return email
	}
	if strings.Contains(login, "@") {
		if a, err := mail.ParseAddress(login); err == nil && a.Address == strings.TrimSpace(login) {
			return login
		}
	}
	return ""
}

// courses lists the courses of an account (with its sub-accounts unless
// the plan says otherwise) or of a term in the root account.
func (c *Connector) courses(ctx context.Context, p *plan, u unit, each func([]course) error) error {
	q := url.Values{}
	for _, st := range p.courseStates {
		q.Add("state[]", st)
	}
	q.Set("per_page", strconv.Itoa(c.s.PerPage))
	account := u.id
	if u.kind == "term" {
		account = c.s.RootAccount
		q.Set("enrollment_term_id", u.id)
	}
	var own id // the account's numeric id, to drop sub-account courses
	if u.kind == "account" && !p.subAccounts {
		if account == "self" {
			a, err := c.account(ctx, "self")
			if err != nil {
				return err
			}
			own = a
		} else {
			n, _ := strconv.ParseInt(account, 10, 64)
			own = id(n)
		}
	}
	first := c.s.BaseURL + "/api/v1/accounts/" + account + "/courses?" + q.Encode()
	return c.paginate(ctx, "courses of "+u.String(), first, func(body []byte) error {
		var page []course
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		if own != 0 {
			page = slices.DeleteFunc(page, func(cr course) bool { return cr.AccountID != own })
		}
		return each(page)
	})
}

// maxPages stops a listing whose next links never end.
const maxPages = 1_000_000

// paginate GETs first and follows rel="next" links, handing each page's
// body to page. Links must stay on the base URL's scheme and host: the
// bearer token goes with every request.
func (c *Connector) paginate(ctx context.Context, call, first string, page func(body []byte) error) error {
	next := first
	seen := map[string]bool{}
	for n := 1; next != ""; n++ {
		if n > maxPages {
			return fmt.Errorf("%s: %s: more than %d pages; stopping", c.prefix(), call, maxPages)
		}
		pageCall := fmt.Sprintf("%s, page %d", call, n)
		ans, err := c.get(ctx, pageCall, next)
		if err != nil {
			return err
		}
		if err := page(ans.body); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %s: %w", c.prefix(), pageCall, ctx.Err())
			}
			var syn *json.SyntaxError
			var typ *json.UnmarshalTypeError
			if errors.As(err, &syn) || errors.As(err, &typ) || strings.HasPrefix(err.Error(), "id ") {
				return fmt.Errorf("%s: %s: Canvas's answer is not a list as documented: %w", c.prefix(), pageCall, err)
			}
			return err
		}
		seen[next] = true
		link, ok := parseLink(ans.header.Values("Link"))["next"]
		if !ok {
			return nil
		}
		resolved, err := c.sameOrigin(next, link)
		if err != nil {
			return fmt.Errorf("%s: %s: next link: %w", c.prefix(), pageCall, err)
		}
		if seen[resolved] {
			return fmt.Errorf("%s: %s: the next link points back to a page already read", c.prefix(), pageCall)
		}
		next = resolved
	}
	return nil
}

// sameOrigin resolves link against the page it came from and checks it
// stays on the base URL's scheme and host.
func (c *Connector) sameOrigin(from, link string) (string, error) {
	f, err := url.Parse(from)
	if err != nil {
		return "", err
	}
	l, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", link)
	}
	r := f.ResolveReference(l)
	if !strings.EqualFold(r.Scheme, c.base.Scheme) || !strings.EqualFold(r.Host, c.base.Host) {
		return "", fmt.Errorf("points to %s://%s, not to base_url %s: refusing to send the token there", r.Scheme, r.Host, c.s.BaseURL)
	}
	return r.String(), nil
}
