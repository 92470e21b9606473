package oneroster

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Fetch reads the selected classes' students and teachers, and the
// enrollments of the selected schools with their users, a page at a time.
// It returns nil only after everything was read and emitted.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := planFor(c.prefix(), sel)
	if err != nil {
		return err
	}
	fallback := *c.s.EmailFromUsername
	for _, id := range p.classes {
		for _, who := range []string{"students", "teachers"} {
			roleName := who[:len(who)-1]
			role, ok := p.role(roleName)
			if !ok {
				continue
			}
			unit := unitClass + id
			path := "/classes/" + url.PathEscape(id) + "/" + who
			_, err := listPages(ctx, c, path, "users", nil, userID, func(us []user) error {
				out := make([]connectors.Person, 0, len(us))
				for i := range us {
					u := &us[i]
					if u.usable() {
						out = append(out, person(u.SourcedID, u.Email, u.Username, u.GivenName, u.FamilyName, fallback, role, unit))
					}
				}
				return c.emit(emit, out, path)
			})
			if err != nil {
				return err
			}
		}
	}
	if len(p.orgs) == 0 {
		return nil
	}
	now := c.clock.Now()
	members := fold{}
	for _, id := range p.orgs {
		unit := unitOrg + id
		path := "/schools/" + url.PathEscape(id) + "/enrollments"
		_, err := listPages(ctx, c, path, "enrollments", nil, enrollmentID, func(es []enrollment) error {
			for i := range es {
				e := &es[i]
				if e.Status == statusToBeDeleted || e.User.SourcedID == "" || ended(e.EndDate, now) {
					continue
				}
				if role, ok := p.role(e.Role); ok {
					members.add(e.User.SourcedID, role, unit)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(members) == 0 {
		return nil
	}
	if c.s.IncrementalUsers {
		return c.emitIncremental(ctx, members, fallback, emit)
	}
	_, err = listPages(ctx, c, "/users", "users", nil, userID, func(us []user) error {
		out := make([]connectors.Person, 0, len(us))
		for i := range us {
			u := &us[i]
			m, ok := members[u.SourcedID]
			if ok && u.usable() {
				out = append(out, person(u.SourcedID, u.Email, u.Username, u.GivenName, u.FamilyName, fallback, m.role, m.unit))
			}
		}
		return c.emit(emit, out, "/users")
	})
	return err
}

func userID(u *user) string             { return u.SourcedID }
func enrollmentID(e *enrollment) string { return e.SourcedID }

// emitError marks an error from the caller's emit.
func (c *Connector) emit(emit func([]connectors.Person) error, out []connectors.Person, path string) error {
	if len(out) == 0 {
		return nil
	}
	if err := emit(out); err != nil {
		return fmt.Errorf("%s: people of %s: %w", c.prefix(), path, err)
	}
	return nil
}

// userCache holds the users of the last full or incremental read, for
// servers that filter on dateLastModified.
type userCache struct {
	users map[string]cachedUser
	mark  string    // dateLastModified lower bound for the next read
	full  time.Time // when the last full read was
}

type cachedUser struct {
	email, name string
}

// filterTime is the OneRoster date-time form, in UTC with milliseconds.
const filterTime = "2006-01-02T15:04:05.000Z"

// emitIncremental brings the user cache up to date (all users when there
// is none or it is older than FullRefresh, else those changed since the
// last read) and emits the members from it. The cache is replaced only
// when the whole Fetch succeeds.
func (c *Connector) emitIncremental(ctx context.Context, members fold, fallback bool, emit func([]connectors.Person) error) error {
	c.mu.Lock()
	old := c.cache
	c.mu.Unlock()
	full := old == nil || c.clock.Now().Sub(old.full) >= c.s.FullRefresh
	next := &userCache{users: map[string]cachedUser{}}
	q := url.Values{}
	if full {
		next.full = c.clock.Now()
	} else {
		next.full = old.full
		q.Set("filter", "dateLastModified>'"+old.mark+"'")
	}
	changed := map[string]*cachedUser{} // nil: gone
	date, err := listPages(ctx, c, "/users", "users", q, userID, func(us []user) error {
		for i := range us {
			u := &us[i]
			if !u.usable() {
				changed[u.SourcedID] = nil
				continue
			}
			changed[u.SourcedID] = &cachedUser{
				email: emailOf(u.Email, u.Username, fallback),
				name:  displayName(u.GivenName, u.FamilyName),
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !full {
		for id, u := range old.users {
			next.users[id] = u
		}
	}
	for id, u := range changed {
		if u == nil {
			delete(next.users, id)
		} else {
			next.users[id] = *u
		}
	}
	// The server's clock marks the read, less a margin for records
	// written while it ran.
	mark := c.clock.Now()
	if t, err := http.ParseTime(date); err == nil {
		mark = t
	}
	next.mark = mark.Add(-5 * time.Minute).UTC().Format(filterTime)

	page := make([]connectors.Person, 0, 500)
	for id, m := range members {
		u, ok := next.users[id]
		if !ok {
			continue
		}
		page = append(page, connectors.Person{ExternalID: id, Email: u.email, Name: u.name, Role: m.role, OrgUnit: m.unit})
		if len(page) == cap(page) {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: %w", c.prefix(), err)
			}
			if err := c.emit(emit, page, "/users"); err != nil {
				return err
			}
			page = make([]connectors.Person, 0, 500)
		}
	}
	if err := c.emit(emit, page, "/users"); err != nil {
		return err
	}
	c.mu.Lock()
	c.cache = next
	c.mu.Unlock()
	return nil
}
