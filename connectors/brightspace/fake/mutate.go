package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Snapshot copies what the server holds now (after churn) as a District.
func (s *Server) Snapshot() *District {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := &District{}
	for _, t := range s.types {
		d.Types = append(d.Types, t)
	}
	for _, id := range s.unitIDs {
		d.OrgUnits = append(d.OrgUnits, *s.units[id])
		for _, e := range s.rosters[id] {
			d.Enrollments = append(d.Enrollments, *e)
		}
	}
	for _, r := range s.roles {
		d.Roles = append(d.Roles, r)
	}
	for _, u := range s.users {
		d.Users = append(d.Users, *u)
	}
	return d
}

// SetActive activates or deactivates a user.
func (s *Server) SetActive(userID int, active bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("fake: no user %d", userID)
	}
	u.Active = active
	return nil
}

// Change is one change Churn made.
type Change struct {
	Kind      string // enroll, deactivate or unenroll
	OrgUnitID int
	UserID    int
}

// Churn applies n random changes of the kind a district sees between two
// syncs: new students enrolled in an offering (40 %), users deactivated
// (25 %), enrollments deleted (35 %).
func (s *Server) Churn(rng *rand.Rand, n int) []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	var offerings []int
	for _, id := range s.unitIDs {
		if s.units[id].Type == TypeCourseOffering && len(s.rosters[id]) > 0 {
			offerings = append(offerings, id)
		}
	}
	if len(offerings) == 0 {
		return nil
	}
	learner := 0
	for _, e := range s.rosters[offerings[0]] {
		if r := s.roles[e.RoleID]; r.Name == "Learner" || r.Name == "Student" {
			learner = e.RoleID
		}
	}
	var out []Change
	for range n {
		ou := offerings[rng.IntN(len(offerings))]
		roster := s.rosters[ou]
		switch k := rng.IntN(20); {
		case (k < 8 || len(roster) == 0) && learner != 0:
			s.nextUser++
			u := &User{ID: s.nextUser, FirstName: "New", LastName: fmt.Sprintf("Student%d", s.nextUser),
				UserName: fmt.Sprintf("new.student%d", s.nextUser), Email: fmt.Sprintf("new.student%d@district.example.org", s.nextUser), Active: true}
			s.users[u.ID] = u
			s.rosters[ou] = append(roster, &Enrollment{OrgUnitID: ou, UserID: u.ID, RoleID: learner})
			out = append(out, Change{"enroll", ou, u.ID})
		case k < 13 && len(roster) > 0:
			e := roster[rng.IntN(len(roster))]
			s.users[e.UserID].Active = false
			out = append(out, Change{"deactivate", ou, e.UserID})
		case len(roster) > 0:
			i := rng.IntN(len(roster))
			out = append(out, Change{"unenroll", ou, roster[i].UserID})
			s.rosters[ou] = slices.Delete(slices.Clone(roster), i, i+1)
		}
	}
	return out
}
