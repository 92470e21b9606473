package schoology

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
)

// member is one kept enrollment, waiting for its user's email.
type member struct {
	uid     num
	section num
	admin   bool
}

// userInfo is what the user record adds: the email and school role.
type userInfo struct {
	email, name string
	roleID      num
}

type userJSON struct {
	UID          num    `json:"uid"`
	NameDisplay  string `json:"name_display"`
	PrimaryEmail string `json:"primary_email"`
	RoleID       num    `json:"role_id"`
}

// Fetch emits everyone enrolled in the selection's sections. Enrollments
// carry no email, so they are gathered first and their users read after
// (user by user, or the school's list for many); then emitted a page at a
// time. A person in several sections is emitted once per section.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	titles, err := c.roleTitles(ctx)
	if err != nil {
		return err
	}
	sections, err := c.sectionsOf(ctx, p)
	if err != nil {
		return err
	}
	var members []member
	uids := map[num]bool{}
	for _, sid := range sections {
		if err := c.enrollments(ctx, p, sid, func(m member) {
			members = append(members, m)
			uids[m.uid] = true
		}); err != nil {
			return err
		}
	}
	wide := slices.ContainsFunc(p.units, func(u unit) bool { return u.kind == "school" || u.kind == "building" })
	var users map[num]userInfo
	if wide || len(uids) > c.s.UserLookupMax {
		users, err = c.userList(ctx, uids)
	} else {
		users, err = c.userEach(ctx, uids)
	}
	if err != nil {
		return err
	}
	var seen connectors.EmailCount
	for _, m := range members {
		if u, ok := users[m.uid]; ok {
			seen.Count(u.email)
		}
	}
	// Everyone without an email is a key that may not see them, not a
	// school of people without addresses: fail rather than plan to skip
	// everyone (the rule is connectors.EmailCount's).
	if err := seen.Err(c.prefix(), "enrollments", ErrNoEmails); err != nil {
		return err
	}
	buf := make([]connectors.Person, 0, c.s.PageSize)
	for _, m := range members {
		u, ok := users[m.uid]
		if !ok {
			continue // deactivated since the enrollment was read
		}
		role, ok := p.role(titles[u.roleID], m.admin)
		if !ok {
			continue
		}
		buf = append(buf, connectors.Person{ExternalID: m.uid.String(), Email: strings.TrimSpace(u.email), Name: u.name,
			Role: role, OrgUnit: "section:" + m.section.String()})
		if len(buf) == cap(buf) {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: %w", c.prefix(), err)
			}
			if err := emit(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", c.prefix(), err)
	}
	if len(buf) > 0 {
		return emit(buf)
	}
	return nil
}

// roleTitles reads the school's roles (and building override roles).
func (c *Connector) roleTitles(ctx context.Context) (map[num]string, error) {
	const call = "school roles"
	body, err := c.get(ctx, call, c.s.BaseURL+"/v1/roles")
	if err != nil {
		return nil, err
	}
	var ans struct {
		Role []struct {
			ID    num
			Title string
		} `json:"role"`
		BuildingRole []struct {
			ID    num
			Title string
		} `json:"building_role"`
	}
	if err := c.decode(call, body, &ans); err != nil {
		return nil, err
	}
	out := map[num]string{}
	for _, r := range append(ans.Role, ans.BuildingRole...) {
		out[r.ID] = r.Title
	}
	return out, nil
}

// sectionsOf lists the selection's sections, each once, in unit order.
func (c *Connector) sectionsOf(ctx context.Context, p *plan) ([]num, error) {
	var out []num
	seen := map[num]bool{}
	add := func(id num) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, u := range p.units {
		switch u.kind {
		case "section":
			var n num
			_ = n.UnmarshalJSON([]byte(u.id))
			add(n)
		case "course":
			if err := c.courseSections(ctx, p, u.id, add); err != nil {
				return nil, err
			}
		case "school", "building":
			q := url.Values{}
			if u.kind == "building" {
				q.Set("building_id", u.id)
			} else if err := c.checkSchool(ctx, u.id); err != nil {
				return nil, err
			}
			var courses []num
			call := "courses of " + u.String()
			err := c.paginate(ctx, call, c.list("/v1/courses", q), func(call string, body []byte) (links, error) {
				var ans struct {
					Course []struct{ ID num } `json:"course"`
					Links  links              `json:"links"`
				}
				if err := c.decode(call, body, &ans); err != nil {
					return links{}, err
				}
				for _, cr := range ans.Course {
					courses = append(courses, cr.ID)
				}
				return ans.Links, nil
			})
			if err != nil {
				return nil, err
			}
			for _, cid := range courses {
				if err := c.courseSections(ctx, p, cid.String(), add); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// checkSchool makes sure school:<id> is the key's own school: Schoology's
// course list is always the key's school, whatever the unit says.
func (c *Connector) checkSchool(ctx context.Context, id string) error {
	_, err := c.get(ctx, "look up school:"+id, c.s.BaseURL+"/v1/schools/"+id)
	return err
}

func (c *Connector) courseSections(ctx context.Context, p *plan, courseID string, add func(num)) error {
	q := url.Values{}
	if p.includePast {
		q.Set("include_past", "1")
	}
	return c.paginate(ctx, "sections of course "+courseID, c.list("/v1/courses/"+courseID+"/sections", q),
		func(call string, body []byte) (links, error) {
			var ans struct {
				Section []struct{ ID num } `json:"section"`
				Links   links              `json:"links"`
			}
			if err := c.decode(call, body, &ans); err != nil {
				return links{}, err
			}
			for _, s := range ans.Section {
				add(s.ID)
			}
			return ans.Links, nil
		})
}

// enrollments reads one section's enrollments in the plan's statuses.
func (c *Connector) enrollments(ctx context.Context, p *plan, sid num, keep func(member)) error {
	q := url.Values{}
	q.Set("enrollment_status", strings.Join(p.statuses, ","))
	return c.paginate(ctx, "enrollments of section "+sid.String(), c.list("/v1/sections/"+sid.String()+"/enrollments", q),
		func(call string, body []byte) (links, error) {
			var ans struct {
				Enrollment []struct {
					UID    num `json:"uid"`
					Admin  num `json:"admin"`
					Status num `json:"status"`
				} `json:"enrollment"`
				Links links `json:"links"`
			}
			if err := c.decode(call, body, &ans); err != nil {
				return links{}, err
			}
			for _, e := range ans.Enrollment {
				// The filter is asked of Schoology and checked again here:
				// a server that ignores it must not enrol the pending.
				if e.UID == 0 || !slices.Contains(p.statuses, e.Status.String()) {
					continue
				}
				keep(member{uid: e.UID, section: sid, admin: e.Admin == 1})
			}
			return ans.Links, nil
		})
}

// userEach reads each user; a 404 is a deactivated user, left out.
func (c *Connector) userEach(ctx context.Context, uids map[num]bool) (map[num]userInfo, error) {
	ids := make([]num, 0, len(uids))
	for id := range uids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make(map[num]userInfo, len(ids))
	for _, id := range ids {
		call := "user " + id.String()
		body, err := c.get(ctx, call, c.s.BaseURL+"/v1/users/"+id.String())
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == http.StatusNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		var u userJSON
		if err := c.decode(call, body, &u); err != nil {
			return nil, err
		}
		out[id] = userInfo{email: u.PrimaryEmail, name: u.NameDisplay, roleID: u.RoleID}
	}
	return out, nil
}

// userList pages the school's active users, keeping those in uids.
func (c *Connector) userList(ctx context.Context, uids map[num]bool) (map[num]userInfo, error) {
	out := make(map[num]userInfo, len(uids))
	err := c.paginate(ctx, "users of the school", c.list("/v1/users", nil), func(call string, body []byte) (links, error) {
		var ans struct {
			User  []userJSON `json:"user"`
			Links links      `json:"links"`
		}
		if err := c.decode(call, body, &ans); err != nil {
			return links{}, err
		}
		for _, u := range ans.User {
			if uids[u.UID] {
				out[u.UID] = userInfo{email: u.PrimaryEmail, name: u.NameDisplay, roleID: u.RoleID}
			}
		}
		return ans.Links, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
