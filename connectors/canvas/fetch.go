package canvas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
	"github.com/rollcall-sync/rollcall/license"
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

// optString is a JSON string that remembers whether its key was there:
// Canvas leaves "email" out when the caller may not read emails and sends
// null when the user has none, and the two mean different things here.
type optString struct {
	set bool
	v   string
}

func (o *optString) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.v = ""
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

// courseUser is one entry of "List users in course" with
// include[]=email and include[]=enrollments.
type courseUser struct {
	ID          id        `json:"id"`
	Name        string    `json:"name"`
	Email       optString `json:"email"`
	Enrollments []struct {
		Type            string `json:"type"`
		Role            string `json:"role"`
		EnrollmentState string `json:"enrollment_state"`
	} `json:"enrollments"`
}

type course struct {
	ID            id     `json:"id"`
	AccountID     id     `json:"account_id"`
	WorkflowState string `json:"workflow_state"`
}

// unconfirmed are the enrollment states in which Canvas shows a user's
// login and email to nobody (CoursesController#users excludes their
// personal information): invited and not yet accepted, pending, rejected.
var unconfirmed = []string{"invited", "creation_pending", "rejected"}

// Fetch emits everyone enrolled in the selection's published, unconcluded
// courses, one emit per page of users.
//
// Emails come from "List users in course" (GET /courses/:id/users) with
// include[]=email and include[]=enrollments, one listing per course: it
// is the one documented listing that carries both a user's email and
// their enrollments (type, custom role, state) in that course, so a
// course costs ceil(users/per_page) calls and nothing more. The
// alternatives cost more for the same answer: "List enrollments" has no
// email at all (its embedded user has an SIS login_id at best), and
// "List users in account" has emails but no enrollments, so it would
// still need every course's roster on top; profiles or communication
// channels would be one call per person. For account:<id> and term:<id>
// the courses come from "List active courses in an account".
//
// A person enrolled in several courses is emitted once per course; the
// planner folds them. A person without an email is emitted with none, so
// the planner skips and counts them: their login_id is an SIS username
// for most students and is never taken for an address. When Canvas
// leaves the email key out for a confirmed user, the token lacks
// read_email_addresses and Fetch fails with ErrEmailPermission, so that
// the sync removes nobody.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	done := map[id]bool{} // a course reached through two units is read once
	buf := make([]connectors.Person, 0, c.s.PerPage)
	r := &read{noEmail: map[id]bool{}}
	readCourse := func(cid id) error {
		if done[cid] {
			return nil
		}
		done[cid] = true
		return c.courseUsers(ctx, p, r, cid, &buf, emit)
	}
	for _, u := range p.units {
		switch u.kind {
		case "course":
			cr, err := c.course(ctx, u.id)
			if err != nil {
				return err
			}
			if !p.courseLive(cr.WorkflowState) {
				c.log.LogAttrs(ctx, slog.LevelInfo, "Canvas course left out: its state is not selected",
					slog.String("unit", u.String()), slog.String("workflow_state", cr.WorkflowState))
				continue
			}
			if err := readCourse(cr.ID); err != nil {
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

// read is what one Fetch remembers across courses.
type read struct {
	// noEmail are the people without an email already emitted: they are
	// emitted once, so that the planner counts each of them as one skip
	// however many courses they are in.
	noEmail map[id]bool
	// seen counts the people read, for the error that stops a read.
	// Canvas tells a hidden email (no key) from a missing one (null), so
	// the key, not connectors.EmailCount's rule, decides here: a null
	// for everyone is people who truly have no email.
	seen connectors.EmailCount
}

// course reads one course.
func (c *Connector) course(ctx context.Context, cid string) (course, error) {
	ans, err := c.get(ctx, "course "+cid, c.s.BaseURL+"/api/v1/courses/"+cid)
	if err != nil {
		return course{}, err
	}
	var cr course
	if err := json.Unmarshal(ans.body, &cr); err != nil || cr.ID == 0 {
		return course{}, fmt.Errorf("%s: course %s: Canvas's answer is not a course as documented", c.prefix(), cid)
	}
	return cr, nil
}

// usersQuery is the query of "List users in course" for plan p.
func (c *Connector) usersQuery(p *plan, perPage int) url.Values {
	q := url.Values{}
	for _, t := range p.userTypes() {
		q.Add("enrollment_type[]", t)
	}
	for _, st := range p.states {
		q.Add("enrollment_state[]", st)
	}
	q.Add("include[]", "email")
	q.Add("include[]", "enrollments")
	q.Set("per_page", strconv.Itoa(perPage))
	return q
}

// courseUsers reads one course's users page by page.
func (c *Connector) courseUsers(ctx context.Context, p *plan, r *read, cid id, buf *[]connectors.Person, emit func([]connectors.Person) error) error {
	cs := strconv.FormatInt(int64(cid), 10)
	first := c.s.BaseURL + "/api/v1/courses/" + cs + "/users?" + c.usersQuery(p, c.s.PerPage).Encode()
	unitName := "course:" + cs
	call := "users of course " + cs
	return c.paginate(ctx, call, first, func(n int, body []byte) error {
		out, err := c.usersPage(p, r, fmt.Sprintf("%s, page %d", call, n), unitName, body, (*buf)[:0])
		*buf = out
		if err != nil || len(out) == 0 {
			return err
		}
		return emit(out)
	})
}

// usersPage decodes one page of "List users in course" into out: each
// user with an enrollment the plan maps, with their strongest role in
// the course; users without an email once per Fetch; and
// ErrEmailPermission for a confirmed user whose email key is missing.
func (c *Connector) usersPage(p *plan, r *read, call, unitName string, body []byte, out []connectors.Person) ([]connectors.Person, error) {
	var page []courseUser
	if err := json.Unmarshal(body, &page); err != nil {
		return out, err
	}
	for i := range page {
		u := &page[i]
		var role license.Role
		found, confirmed := false, false
		for _, e := range u.Enrollments {
			if !slices.Contains(p.states, e.EnrollmentState) {
				continue
			}
			if !slices.Contains(unconfirmed, e.EnrollmentState) {
				confirmed = true
			}
			if mapped, ok := p.role(e.Type, e.Role); ok && (!found || mapped.Rank() > role.Rank()) {
				role, found = mapped, true
			}
		}
		if !found {
			continue
		}
		if !u.Email.set && confirmed {
			return out, fmt.Errorf("%s: %s: user %d came without Canvas's email key (%d people read before): %w",
				c.prefix(), call, u.ID, r.seen.People(), ErrEmailPermission)
		}
		r.seen.Count(u.Email.v)
		email := strings.TrimSpace(u.Email.v)
		if email == "" {
			if r.noEmail[u.ID] {
				continue
			}
			r.noEmail[u.ID] = true
		}
		out = append(out, connectors.Person{
			ExternalID: strconv.FormatInt(int64(u.ID), 10),
			Email:      email,
			Name:       u.Name,
			Role:       role,
			OrgUnit:    unitName,
		})
	}
	return out, nil
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
	return c.paginate(ctx, "courses of "+u.String(), first, func(_ int, body []byte) error {
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
// number and body to page. Links must stay on the base URL's scheme and host: the
// bearer token goes with every request.
func (c *Connector) paginate(ctx context.Context, call, first string, page func(n int, body []byte) error) error {
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
		if err := page(n, ans.body); err != nil {
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
		resolved, err := siteurl.Follow(c.base, next, link)
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
