package scim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// guardWindow is how long removals count against the deletion limit.
const guardWindow = time.Hour

// want is what one user should hold on the connection's licenses.
type want struct {
	userID string
	email  string // normalized; "" when the user should hold nothing
	prev   string // normalized email the user's claims used before, if different
	name   string
	role   license.Role
}

// reconcileAfter brings the claims of the users a change touched in line
// with the connection's resources.
func (s *Server) reconcileAfter(ctx context.Context, conn Connection, old, next *Resource) error {
	ids := map[string]bool{}
	prevEmail := map[string]string{}
	for _, r := range []*Resource{old, next} {
		if r == nil {
			continue
		}
		if r.Kind == KindUser {
			ids[r.ID] = true
		} else {
			list, _ := r.Doc["members"].([]any)
			for _, m := range list {
				if el, _ := m.(map[string]any); el != nil {
					if id, _ := el["value"].(string); id != "" {
						ids[id] = true
					}
				}
			}
		}
	}
	if old != nil && old.Kind == KindUser && next == nil {
		prevEmail[old.ID] = old.Claimed // deleted: the resource is gone
	}
	_, err := s.Reconcile(ctx, conn.Name, keysOf(ids), prevEmail, false)
	return err
}

// ReconcileResult says what a reconcile did.
type ReconcileResult struct {
	Users    int                 `json:"users"`
	Applied  license.ApplyResult `json:"applied"`
	Held     int                 `json:"held"` // removals kept back by the guard
	Overflow []license.Overflow  `json:"overflow,omitempty"`
}

// Reconcile brings the claims of users (nil: all of the connection's) in
// line with its resources. Removals beyond the deletion limit are held
// unless force (an admin's approval), which also releases held users.
func (s *Server) Reconcile(ctx context.Context, connName string, users []string, prevEmail map[string]string, force bool) (ReconcileResult, error) {
	var res ReconcileResult
	conn, err := s.store.Connection(ctx, connName)
	if err != nil {
		return res, err
	}
	if users == nil || force {
		all := map[string]bool{}
		for _, id := range users {
			all[id] = true
		}
		for _, id := range conn.HeldUsers {
			all[id] = true
		}
		if users == nil {
			err := s.store.List(ctx, connName, KindUser, func(r Resource) error { all[r.ID] = true; return nil })
			if err != nil {
				return res, err
			}
		}
		users = keysOf(all)
	}
	groups, err := s.groupNames(ctx, connName)
	if err != nil {
		return res, err
	}
	wants := make([]want, 0, len(users))
	for _, id := range users {
		w := want{userID: id, prev: prevEmail[id]}
		r, err := s.store.Get(ctx, connName, KindUser, id)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return res, err
		default:
			w.prev = r.Claimed
		}
		if err == nil && active(r.Doc) {
			if e, err := license.NormalizeEmail(emailOf(r.Doc)); err == nil {
				w.email = e
			}
			w.name = displayNameOf(r.Doc)
			w.role = conn.role(groups[id])
		}
		if w.prev == w.email {
			w.prev = ""
		}
		wants = append(wants, w)
	}
	res.Users = len(wants)
	src := conn.Source()
	now := s.now().UTC()
	var held []string
	for _, lic := range conn.Licenses {
		var ups, removes []license.Change
		var removedUsers []string
		for _, w := range wants {
			if w.email != "" {
				ups = append(ups, license.Change{Op: license.OpUpsert, Email: w.email, Source: src, Name: w.name, Role: w.role,
					ExternalID: w.userID, Attrs: map[string]string{"scim_id": w.userID}})
			}
			if w.prev != "" {
				removes = append(removes, license.Change{Op: license.OpRemove, Email: w.prev, Source: src})
				removedUsers = append(removedUsers, w.userID)
			}
		}
		removes = dedupe(removes)
		hold := false
		if !force && len(removes) > 0 {
			conn, err = s.store.UpdateConnection(ctx, connName, func(c *Connection) error {
				if now.Sub(c.WindowStart) > guardWindow {
					c.WindowStart, c.WindowRemoved = now, 0
				}
				current, err := s.countClaims(ctx, lic, src)
				if err != nil {
					return err
				}
				if c.WindowRemoved+len(removes) > c.deletionBound(current) {
					for _, id := range removedUsers {
						if !slices.Contains(c.HeldUsers, id) {
							c.HeldUsers = append(c.HeldUsers, id)
						}
					}
					held = append(held, removedUsers...)
					hold = true
					return nil
				}
				c.WindowRemoved += len(removes)
				return nil
			})
			if err != nil {
				return res, err
			}
			if hold {
				res.Held += len(removes)
				s.log.Warn("scim: removals held by the deletion guard", "connection", connName, "license", lic, "removals", len(removes),
					"approve", "rollcall scim approve "+connName)
				removes = nil
			}
		}
		changes := append(ups, removes...)
		if len(changes) == 0 {
			continue
		}
		ar, err := s.licenses.Apply(ctx, lic, changes, license.ApplyOptions{Actor: string(src), Now: now})
		if err != nil {
			return res, fmt.Errorf("license %s: %w", lic, err)
		}
		res.Applied.MembersAdded += ar.MembersAdded
		res.Applied.ClaimsAdded += ar.ClaimsAdded
		res.Applied.ClaimsUpdated += ar.ClaimsUpdated
		res.Applied.ClaimsRemoved += ar.ClaimsRemoved
		res.Applied.MembersRemoved += ar.MembersRemoved
		res.Overflow = append(res.Overflow, ar.Overflow...)
	}
	for _, w := range wants {
		if !slices.Contains(held, w.userID) {
			if err := s.store.SetClaimed(ctx, connName, w.userID, w.email); err != nil && !errors.Is(err, ErrNotFound) {
				return res, err
			}
		}
	}
	// Users whose claims now match leave the held list.
	_, err = s.store.UpdateConnection(ctx, connName, func(c *Connection) error {
		if force {
			c.HeldUsers, c.WindowStart, c.WindowRemoved = nil, now, 0
			return nil
		}
		c.HeldUsers = slices.DeleteFunc(c.HeldUsers, func(id string) bool {
			return slices.Contains(users, id) && !slices.Contains(held, id)
		})
		return nil
	})
	return res, err
}

func (s *Server) countClaims(ctx context.Context, lic string, src license.Source) (int, error) {
	n := 0
	err := s.licenses.SourceClaims(ctx, lic, src, func(string, *license.Claim, bool) error { n++; return nil })
	return n, err
}

// groupNames maps user ids to the displayNames of their groups.
func (s *Server) groupNames(ctx context.Context, conn string) (map[string][]string, error) {
	out := map[string][]string{}
	err := s.store.List(ctx, conn, KindGroup, func(g Resource) error {
		name, _ := g.Doc["displayName"].(string)
		list, _ := g.Doc["members"].([]any)
		for _, m := range list {
			if el, _ := m.(map[string]any); el != nil {
				if id, _ := el["value"].(string); id != "" {
					out[id] = append(out[id], name)
				}
			}
		}
		return nil
	})
	return out, err
}

func dedupe(cs []license.Change) []license.Change {
	seen := map[string]bool{}
	out := cs[:0]
	for _, c := range cs {
		if !seen[c.Email] {
			seen[c.Email] = true
			out = append(out, c)
		}
	}
	return out
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
