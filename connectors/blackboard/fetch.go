package blackboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
)

// availability is Learn's availability object.
type availability struct {
	Available string `json:"available"`
}

type membership struct {
	UserID        string       `json:"userId"`
	CourseID      string       `json:"courseId"`
	ChildCourseID string       `json:"childCourseId"`
	Availability  availability `json:"availability"`
	CourseRoleID  string       `json:"courseRoleId"`
	User          *struct {
		ID           string       `json:"id"`
		Availability availability `json:"availability"`
		Name         struct {
			Given  string `json:"given"`
			Family string `json:"family"`
		} `json:"name"`
		Contact struct {
			Email string `json:"email"`
		} `json:"contact"`
	} `json:"user"`
}

type course struct {
	ID           string       `json:"id"`
	TermID       string       `json:"termId"`
	Organization bool         `json:"organization"`
	Availability availability `json:"availability"`
}

// listPage is Learn's paged collection.
type listPage[T any] struct {
	Results []T `json:"results"`
	Paging  struct {
		NextPage string `json:"nextPage"`
	} `json:"paging"`
}

// Fetch emits everyone with an available membership in the selection's
// courses, one emit per page of memberships. A person in several courses
// (or in a cross-listed parent and its child) is emitted once per
// membership; the planner folds them.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	done := map[string]bool{} // a course reached through two units is read once
	buf := make([]connectors.Person, 0, c.s.PageSize)
	var seen connectors.EmailCount
	terms := map[string]bool{} // term id -> available, as read once per Fetch
	for _, u := range p.units {
		if u.kind == "course" {
			if done[u.id] {
				continue
			}
			done[u.id] = true
			if err := c.memberships(ctx, p, u.id, &buf, &seen, emit); err != nil {
				return err
			}
			continue
		}
		q := url.Values{"limit": {strconv.Itoa(c.s.PageSize)}, "organization": {"false"}}
		if u.kind == "term" {
			q.Set("termId", u.id)
		} else {
			q.Set("dataSourceId", u.id)
		}
		first := c.s.BaseURL + "/learn/api/public/v3/courses?" + q.Encode()
		err := c.paginate(ctx, "courses of "+u.String(), first, func(body []byte) (string, error) {
			var page listPage[course]
			if err := json.Unmarshal(body, &page); err != nil {
				return "", err
			}
			for _, cr := range page.Results {
				if cr.ID == "" || done[cr.ID] || cr.Organization {
					continue
				}
				if !p.includeUnavailable {
					open, err := c.courseOpen(ctx, cr, terms)
					if err != nil {
						return "", err
					}
					if !open {
						continue
					}
				}
				done[cr.ID] = true
				if err := c.memberships(ctx, p, cr.ID, &buf, &seen, emit); err != nil {
					return "", err
				}
			}
			return page.Paging.NextPage, nil
		})
		if err != nil {
			return err
		}
	}
	// Not one email is an application user that may not see them: fail
	// rather than plan everyone away (the rule is connectors.EmailCount's).
	return seen.Err(c.prefix(), "people", ErrEmailsHidden)
}

// courseOpen says whether a listed course is available: Yes, or Term
// with its term available (each term read once per Fetch).
func (c *Connector) courseOpen(ctx context.Context, cr course, terms map[string]bool) (bool, error) {
	switch cr.Availability.Available {
	case "No", "Disabled":
		return false, nil
	case "Term":
		if cr.TermID == "" {
			return true, nil
		}
		open, ok := terms[cr.TermID]
		if !ok {
			body, err := c.get(ctx, "term "+cr.TermID+" of course "+cr.ID, c.s.BaseURL+"/learn/api/public/v1/terms/"+url.PathEscape(cr.TermID))
			if err != nil {
				return false, err
			}
			var t struct {
				Availability availability `json:"availability"`
			}
			if err := json.Unmarshal(body, &t); err != nil {
				return false, fmt.Errorf("%s: term %s: Learn's answer is not a term as documented: %w", c.prefix(), cr.TermID, err)
			}
			open = t.Availability.Available != "No"
			terms[cr.TermID] = open
		}
		return open, nil
	}
	return true, nil
}

// memberships reads one course's memberships page by page.
func (c *Connector) memberships(ctx context.Context, p *plan, courseID string, buf *[]connectors.Person, seen *connectors.EmailCount, emit func([]connectors.Person) error) error {
	q := url.Values{"expand": {"user"}, "limit": {strconv.Itoa(c.s.PageSize)}, "availability.available": {"Yes"}}
	first := c.s.BaseURL + "/learn/api/public/v1/courses/" + url.PathEscape(courseID) + "/users?" + q.Encode()
	unitName := "course:" + courseID
	return c.paginate(ctx, "memberships of course "+courseID, first, func(body []byte) (string, error) {
		var page listPage[membership]
		if err := json.Unmarshal(body, &page); err != nil {
			return "", err
		}
		out := (*buf)[:0]
		for i := range page.Results {
			m := &page.Results[i]
			u := m.User
			if m.Availability.Available != "Yes" || u == nil || u.Availability.Available != "Yes" {
				continue // unavailable membership, disabled user (or no user expanded)
			}
			role, ok := p.roles[m.CourseRoleID]
			if !ok {
				continue // Guest, Grader, CourseBuilder, unmapped custom roles
			}
			id := u.ID
			if id == "" {
				id = m.UserID
			}
			email := strings.TrimSpace(u.Contact.Email)
			seen.Count(email)
			out = append(out, connectors.Person{
				ExternalID: id,
				Email:      email,
				Name:       strings.TrimSpace(u.Name.Given + " " + u.Name.Family),
				Role:       role,
				OrgUnit:    unitName,
			})
		}
		*buf = out
		if len(out) == 0 {
			return page.Paging.NextPage, nil
		}
		return page.Paging.NextPage, emit(out)
	})
}

// maxPages stops a listing whose next pages never end.
const maxPages = 1_000_000

// paginate GETs first and follows paging.nextPage, handing each page's
// body to page, which returns the page's paging.nextPage. Next pages must stay on the base URL's scheme and host:
// the bearer token goes with every request.
func (c *Connector) paginate(ctx context.Context, call, first string, page func(body []byte) (string, error)) error {
	next := first
	seen := map[string]bool{}
	for n := 1; next != ""; n++ {
		if n > maxPages {
			return fmt.Errorf("%s: %s: more than %d pages; stopping", c.prefix(), call, maxPages)
		}
		pageCall := fmt.Sprintf("%s, page %d", call, n)
		body, err := c.get(ctx, pageCall, next)
		if err != nil {
			return err
		}
		link, err := page(body)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %s: %w", c.prefix(), pageCall, ctx.Err())
			}
			if _, ok := err.(*json.SyntaxError); ok {
				return fmt.Errorf("%s: %s: Learn's answer is not a paged collection as documented: %w", c.prefix(), pageCall, err)
			}
			if _, ok := err.(*json.UnmarshalTypeError); ok {
				return fmt.Errorf("%s: %s: Learn's answer is not a paged collection as documented: %w", c.prefix(), pageCall, err)
			}
			return err
		}
		seen[next] = true
		if link == "" {
			return nil
		}
		resolved, err := siteurl.Follow(c.base, next, link)
		if err != nil {
			return fmt.Errorf("%s: %s: paging.nextPage: %w", c.prefix(), pageCall, err)
		}
		if seen[resolved] {
			return fmt.Errorf("%s: %s: paging.nextPage points back to a page already read", c.prefix(), pageCall)
		}
		next = resolved
	}
	return nil
}
