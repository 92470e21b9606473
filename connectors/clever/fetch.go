package clever

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
	"github.com/rollcall-sync/rollcall/license"
)

// Clever's envelopes: the record sits under data (one) or data[].data
// (a list), beside links.
type (
	listEnvelope[T any] struct {
		Data []struct {
			Data *T     `json:"data"`
			URI  string `json:"uri"`
		} `json:"data"`
		Links []link `json:"links"`
	}
	oneEnvelope[T any] struct {
		Data *T `json:"data"`
	}
	link struct {
		Rel string `json:"rel"`
		URI string `json:"uri"`
	}
)

// user is the part of a Clever user the connector reads.
type user struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  struct {
		First string `json:"first"`
		Last  string `json:"last"`
	} `json:"name"`
	Roles map[string]json.RawMessage `json:"roles"`
}

// section is the part of a Clever section the connector reads.
type section struct {
	ID       string   `json:"id"`
	Students []string `json:"students"`
	Teacher  string   `json:"teacher"`
	Teachers []string `json:"teachers"`
}

// Fetch reads every unit of the selection, a page at a time.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	for _, u := range p.units {
		if err := c.fetchUnit(ctx, p, u, emit); err != nil {
			return err
		}
	}
	return nil
}

func (c *Connector) fetchUnit(ctx context.Context, p *plan, u unit, emit func([]connectors.Person) error) error {
	switch u.kind {
	case "district", "school":
		path := "/users"
		if u.kind == "school" {
			path = "/schools/" + url.PathEscape(u.id) + "/users"
		}
		for _, role := range districtRoles {
			r, ok := p.roles[role]
			if !ok {
				continue
			}
			call := fmt.Sprintf("%s users with role %s", u, role)
			if err := c.users(ctx, call, path+"?role="+role, r, u.String(), emit); err != nil {
				return err
			}
		}
		return nil
	case "section":
		return c.section(ctx, p, u.id, u.String(), emit)
	case "teacher":
		ids, err := c.teacherSections(ctx, u.id)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := c.section(ctx, p, id, u.String(), emit); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s: unit %q: %w", c.prefix(), u, ErrBadUnit)
}

// section reads a section's students and teachers, as the section names
// them (Clever's role filter on a section's users).
func (c *Connector) section(ctx context.Context, p *plan, id, orgUnit string, emit func([]connectors.Person) error) error {
	for _, role := range []string{"student", "teacher"} {
		call := fmt.Sprintf("section %s %ss", id, role)
		if err := c.users(ctx, call, "/sections/"+url.PathEscape(id)+"/users?role="+role, p.roles[role], orgUnit, emit); err != nil {
			return err
		}
	}
	return nil
}

// teacherSections lists the sections a user teaches (not those they
// attend: Clever's list has both).
func (c *Connector) teacherSections(ctx context.Context, teacher string) ([]string, error) {
	var ids []string
	err := pages(ctx, c, "sections of teacher "+teacher, "/users/"+url.PathEscape(teacher)+"/sections", func(page []*section) error {
		for _, s := range page {
			if s.Teacher == teacher || slices.Contains(s.Teachers, teacher) {
				ids = append(ids, s.ID)
			}
		}
		return nil
	})
	return ids, err
}

// users pages a list of users and emits them with role.
func (c *Connector) users(ctx context.Context, call, path string, role license.Role, orgUnit string, emit func([]connectors.Person) error) error {
	return pages(ctx, c, call, path, func(page []*user) error {
		people := make([]connectors.Person, 0, len(page))
		for _, u := range page {
			people = append(people, connectors.Person{
				ExternalID: u.ID,
				Email:      strings.TrimSpace(u.Email),
				Name:       strings.TrimSpace(u.Name.First + " " + u.Name.Last),
				Role:       role,
				OrgUnit:    orgUnit,
			})
		}
		if len(people) == 0 {
			return nil
		}
		if err := emit(people); err != nil {
			return err
		}
		return ctx.Err()
	})
}

// pages follows a list's next links from path (under the API version),
// handing each page's records to each. A next link may lead to an empty
// page, which ends the list; a next link seen before is an error, not a
// loop.
func pages[T any](ctx context.Context, c *Connector, call, path string, each func([]*T) error) error {
	u := c.s.BaseURL + "/" + c.s.APIVersion + path
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	u += fmt.Sprintf("%slimit=%d", sep, c.s.PageSize)
	seen := map[string]bool{}
	for n := 1; ; n++ {
		seen[u] = true
		pageCall := fmt.Sprintf("%s, page %d", call, n)
		body, err := c.get(ctx, pageCall, u)
		if err != nil {
			return err
		}
		var env listEnvelope[T]
		if err := json.Unmarshal(body, &env); err != nil {
			return fmt.Errorf("%s: %s: Clever's answer is not a list: %w", c.prefix(), pageCall, err)
		}
		recs := make([]*T, 0, len(env.Data))
		for i, d := range env.Data {
			if d.Data == nil {
				return fmt.Errorf("%s: %s: item %d has no data object (Clever nests each record under data[].data)", c.prefix(), pageCall, i)
			}
			recs = append(recs, d.Data)
		}
		if err := each(recs); err != nil {
			return err
		}
		next := ""
		for _, l := range env.Links {
			if strings.EqualFold(l.Rel, "next") {
				next = l.URI
			}
		}
		if next == "" || len(recs) == 0 {
			return nil
		}
		nu, err := c.resolve(next)
		if err != nil {
			return fmt.Errorf("%s: %s: next link %q: %w", c.prefix(), pageCall, next, err)
		}
		if seen[nu] {
			return fmt.Errorf("%s: %s: next link %q leads back to a page already read", c.prefix(), pageCall, next)
		}
		u = nu
	}
}

// resolve turns a link (Clever sends relative ones) into an absolute URL
// on the base URL's host; a link to another host is refused, since the
// request would carry the token there.
func (c *Connector) resolve(ref string) (string, error) {
	return siteurl.Follow(c.base, c.s.BaseURL, ref)
}

// one reads a single record.
func one[T any](ctx context.Context, c *Connector, call, path string) (*T, error) {
	body, err := c.get(ctx, call, c.s.BaseURL+"/"+c.s.APIVersion+path)
	if err != nil {
		return nil, err
	}
	var env oneEnvelope[T]
	if err := json.Unmarshal(body, &env); err != nil || env.Data == nil {
		return nil, fmt.Errorf("%s: %s: Clever's answer has no data object", c.prefix(), call)
	}
	return env.Data, nil
}
