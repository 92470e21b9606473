package fake

import (
	"fmt"
	"math/rand/v2"
)

// Snapshot copies what the server holds now (after churn) as a District.
func (s *Server) Snapshot() *District {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := &District{}
	for _, t := range s.terms {
		d.Terms = append(d.Terms, *t)
	}
	for _, ds := range s.sources {
		d.DataSources = append(d.DataSources, *ds)
	}
	for _, id := range s.courseOrder {
		d.Courses = append(d.Courses, *s.courses[id])
		for _, m := range s.rosters[id] {
			d.Memberships = append(d.Memberships, *m)
		}
	}
	for _, u := range s.users {
		d.Users = append(d.Users, *u)
	}
	return d
}

// SetUserAvailable changes a user's availability (Yes, No or Disabled).
func (s *Server) SetUserAvailable(userID, avail string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("fake: no user %s", userID)
	}
	u.Available = avail
	return nil
}

// Change is one change Churn made.
type Change struct {
	Kind     string // enroll, unavailable, disable-user or drop
	CourseID string
	UserID   string
}

// Churn applies n random changes of the kind a district sees between two
// syncs: new students enrolled (40 %), memberships made unavailable
// (25 %), users disabled (15 %) and memberships deleted (20 %).
func (s *Server) Churn(rng *rand.Rand, n int) []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, id := range s.courseOrder {
		if c := s.courses[id]; c.Available == Yes && !c.Organization && len(s.rosters[id]) > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var out []Change
	for range n {
		cid := ids[rng.IntN(len(ids))]
		roster := s.rosters[cid]
		switch k := rng.IntN(20); {
		case k < 8 || len(roster) == 0:
			s.nextID++
			u := &User{ID: fmt.Sprintf("_%d_1", s.nextID), UUID: fmt.Sprintf("n%031d", s.nextID), UserName: fmt.Sprintf("new.student%d", s.nextID),
				Given: "New", Family: fmt.Sprintf("Student%d", s.nextID), Email: fmt.Sprintf("new.student%d@district.example.org", s.nextID),
				Available: Yes, DataSourceID: "_2_1"}
			s.users[u.ID] = u
			s.nextID++
			s.rosters[cid] = append(roster, &Membership{ID: fmt.Sprintf("_%d_1", s.nextID), CourseID: cid, UserID: u.ID,
				DataSourceID: "_2_1", Available: Yes, CourseRoleID: RoleStudent})
			out = append(out, Change{"enroll", cid, u.ID})
		case k < 13:
			m := roster[rng.IntN(len(roster))]
			m.Available = No
			out = append(out, Change{"unavailable", cid, m.UserID})
		case k < 16:
			m := roster[rng.IntN(len(roster))]
			s.users[m.UserID].Available = No
			out = append(out, Change{"disable-user", cid, m.UserID})
		default:
			i := rng.IntN(len(roster))
			out = append(out, Change{"drop", cid, roster[i].UserID})
			s.rosters[cid] = append(roster[:i:i], roster[i+1:]...)
		}
	}
	return out
}
