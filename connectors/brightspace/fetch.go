package brightspace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
)

// id decodes a D2LID sent as a number or a string.
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

type pagingInfo struct {
	Bookmark     string `json:"Bookmark"`
	HasMoreItems bool   `json:"HasMoreItems"`
}

type orgUnitUser struct {
	User struct {
		Identifier   id      `json:"Identifier"`
		DisplayName  string  `json:"DisplayName"`
		EmailAddress *string `json:"EmailAddress"`
	} `json:"User"`
	Role struct {
		ID   id     `json:"Id"`
		Name string `json:"Name"`
	} `json:"Role"`
}

type orgUnit struct {
	Identifier id `json:"Identifier"`
}

type pagedResultSet[T any] struct {
	PagingInfo pagingInfo `json:"PagingInfo"`
	Items      []T        `json:"Items"`
}

// Fetch emits everyone active with a mapped role in the selection's org
// units, one emit per page. A person in several offerings or sections is
// emitted once per enrollment; the planner folds them.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	v, err := c.lp(ctx)
	if err != nil {
		return err
	}
	r := &reader{c: c, p: p, v: v, emit: emit, done: map[string]bool{}, buf: make([]connectors.Person, 0, 100)}
	for _, u := range p.units {
		if u.kind != "orgunit" {
			if err := r.enrollments(ctx, u.id); err != nil {
				return err
			}
			continue
		}
		q := url.Values{"ouTypeId": {strconv.Itoa(c.s.CourseOfferingType)}}
		base := c.s.BaseURL + "/d2l/api/lp/" + v + "/orgstructure/" + u.id + "/descendants/paged/"
		err := c.paged(ctx, "course offerings below "+u.String(), base, q, func(body []byte) (pagingInfo, error) {
			var page pagedResultSet[orgUnit]
			if err := json.Unmarshal(body, &page); err != nil {
				return pagingInfo{}, err
			}
			for _, ou := range page.Items {
				if err := r.enrollments(ctx, strconv.FormatInt(int64(ou.Identifier), 10)); err != nil {
					return pagingInfo{}, err
				}
			}
			return page.PagingInfo, nil
		})
		if err != nil {
			return err
		}
	}
	// Not one email is a service user that may not see them: fail rather
	// than plan everyone away (the rule is connectors.EmailCount's).
	return r.seen.Err(c.prefix(), "people", ErrEmailsHidden)
}

// reader is one Fetch's state.
type reader struct {
	c    *Connector
	p    *plan
	v    string
	emit func([]connectors.Person) error
	done map[string]bool // org units already read
	buf  []connectors.Person
	seen connectors.EmailCount // people read, and those with an email
}

// enrollments reads one org unit's active users, page by page.
func (r *reader) enrollments(ctx context.Context, ou string) error {
	if r.done[ou] {
		return nil
	}
	r.done[ou] = true
	base := r.c.s.BaseURL + "/d2l/api/lp/" + r.v + "/enrollments/orgUnits/" + ou + "/users/"
	unitName := "orgunit:" + ou
	return r.c.paged(ctx, "enrollments of org unit "+ou, base, url.Values{"isActive": {"true"}}, func(body []byte) (pagingInfo, error) {
		var page pagedResultSet[orgUnitUser]
		if err := json.Unmarshal(body, &page); err != nil {
			return pagingInfo{}, err
		}
		out := r.buf[:0]
		for i := range page.Items {
			it := &page.Items[i]
			role, ok := r.p.role(int(it.Role.ID), it.Role.Name)
			if !ok || it.User.Identifier == 0 {
				continue // parents, guests, unmapped custom roles
			}
			email := ""
			if it.User.EmailAddress != nil {
				email = strings.TrimSpace(*it.User.EmailAddress)
			}
			r.seen.Count(email)
			out = append(out, connectors.Person{
				ExternalID: strconv.FormatInt(int64(it.User.Identifier), 10),
				Email:      email,
				Name:       strings.TrimSpace(it.User.DisplayName),
				Role:       role,
				OrgUnit:    unitName,
			})
		}
		r.buf = out
		if len(out) == 0 {
			return page.PagingInfo, nil
		}
		return page.PagingInfo, r.emit(out)
	})
}

// maxPages stops a listing whose bookmarks never end.
const maxPages = 1_000_000

// paged GETs base with q and follows PagingInfo.Bookmark while
// HasMoreItems, handing each page's body to page.
func (c *Connector) paged(ctx context.Context, call, base string, q url.Values, page func(body []byte) (pagingInfo, error)) error {
	seen := map[string]bool{}
	bookmark := ""
	for n := 1; ; n++ {
		if n > maxPages {
			return fmt.Errorf("%s: %s: more than %d pages; stopping", c.prefix(), call, maxPages)
		}
		pageCall := fmt.Sprintf("%s, page %d", call, n)
		if bookmark != "" {
			q.Set("bookmark", bookmark)
		}
		u := base
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		body, err := c.get(ctx, pageCall, u)
		if err != nil {
			return err
		}
		info, err := page(body)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %s: %w", c.prefix(), pageCall, ctx.Err())
			}
			var syn *json.SyntaxError
			var typ *json.UnmarshalTypeError
			if errors.As(err, &syn) || errors.As(err, &typ) || strings.HasPrefix(err.Error(), "id ") {
				return fmt.Errorf("%s: %s: Brightspace's answer is not a paged result set as documented: %w", c.prefix(), pageCall, err)
			}
			return err
		}
		if !info.HasMoreItems {
			return nil
		}
		if info.Bookmark == "" || seen[info.Bookmark] {
			return fmt.Errorf("%s: %s: HasMoreItems with a bookmark that is empty or already used", c.prefix(), pageCall)
		}
		seen[info.Bookmark] = true
		bookmark = info.Bookmark
	}
}
