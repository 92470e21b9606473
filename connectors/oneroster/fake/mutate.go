package fake

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Mutations change the served district as a SIS would between syncs:
// each stamps dateLastModified with the server's clock. They are safe
// with requests in flight.

// SetUserStatus sets a user's status (active or tobedeleted).
func (s *Server) SetUserStatus(id, status string) error {
	return s.changeUser(id, func(u *User) { u.Status = status })
}

// SetUserEnabled sets a user's enabledUser.
func (s *Server) SetUserEnabled(id string, on bool) error {
	return s.changeUser(id, func(u *User) { u.Enabled = on })
}

// SetUserEmail changes a user's email.
func (s *Server) SetUserEmail(id, email string) error {
	return s.changeUser(id, func(u *User) { u.Email = email })
}

func (s *Server) changeUser(id string, f func(*User)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.d.user(id)
	if u == nil {
		return fmt.Errorf("fake: no user %q", id)
	}
	f(u)
	u.Modified = s.now()
	return nil
}

// AddUser adds a user; it fails if the sourcedId is taken.
func (s *Server) AddUser(u User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d.user(u.SourcedID) != nil {
		return fmt.Errorf("fake: user %q exists", u.SourcedID)
	}
	if u.Status == "" {
		u.Status = StatusActive
	}
	u.Modified = s.now()
	s.d.Users = append(s.d.Users, u)
	sort.Slice(s.d.Users, func(i, j int) bool { return s.d.Users[i].SourcedID < s.d.Users[j].SourcedID })
	return nil
}

// Enroll adds an active enrollment of user in class with role and returns
// its sourcedId.
func (s *Server) Enroll(user, class, role string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.d.class(class)
	if c == nil {
		return "", fmt.Errorf("fake: no class %q", class)
	}
	if s.d.user(user) == nil {
		return "", fmt.Errorf("fake: no user %q", user)
	}
	id := fmt.Sprintf("enr-x%07d", len(s.d.Enrollments)+1)
	s.d.Enrollments = append(s.d.Enrollments, Enrollment{SourcedID: id, Status: StatusActive, Modified: s.now(),
		User: user, Class: class, School: c.School, Role: role})
	sort.Slice(s.d.Enrollments, func(i, j int) bool { return s.d.Enrollments[i].SourcedID < s.d.Enrollments[j].SourcedID })
	s.reindex()
	return id, nil
}

// Unenroll marks every enrollment of user in class tobedeleted and
// returns how many it marked.
func (s *Server) Unenroll(user, class string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, i := range s.byClass[class] {
		e := &s.d.Enrollments[i]
		if e.User == user && e.Status != StatusToBeDeleted {
			e.Status, e.Modified = StatusToBeDeleted, s.now()
			n++
		}
	}
	return n
}

// Churn makes n random changes, the same for the same seed: a student
// leaves a class (enrollment tobedeleted), a user is marked tobedeleted,
// a user is disabled, or a new student joins a class. It returns what it
// did, one line per change.
func (s *Server) Churn(seed uint64, n int) []string {
	rng := rand.New(rand.NewPCG(seed, 0x6f6e65))
	var log []string
	for k := 0; k < n; k++ {
		s.mu.Lock()
		if len(s.d.Users) == 0 || len(s.d.Classes) == 0 {
			s.mu.Unlock()
			return log
		}
		switch rng.IntN(4) {
		case 0:
			if len(s.d.Enrollments) > 0 {
				e := &s.d.Enrollments[rng.IntN(len(s.d.Enrollments))]
				e.Status, e.Modified = StatusToBeDeleted, s.now()
				log = append(log, fmt.Sprintf("enrollment %s (%s in %s) tobedeleted", e.SourcedID, e.User, e.Class))
			}
		case 1:
			u := &s.d.Users[rng.IntN(len(s.d.Users))]
			u.Status, u.Modified = StatusToBeDeleted, s.now()
			log = append(log, fmt.Sprintf("user %s tobedeleted", u.SourcedID))
		case 2:
			u := &s.d.Users[rng.IntN(len(s.d.Users))]
			u.Enabled, u.Modified = false, s.now()
			log = append(log, fmt.Sprintf("user %s disabled", u.SourcedID))
		case 3:
			c := s.d.Classes[rng.IntN(len(s.d.Classes))]
			id := fmt.Sprintf("usr-new-%d-%d", seed, k)
			s.mu.Unlock()
			_ = s.AddUser(User{SourcedID: id, Enabled: true, Role: "student", Username: id,
				Email: id + "@district.example.org", GivenName: "New", FamilyName: fmt.Sprintf("Student%d", k), Orgs: []string{c.School}})
			_, _ = s.Enroll(id, c.SourcedID, "student")
			log = append(log, fmt.Sprintf("user %s joined %s", id, c.SourcedID))
			continue
		}
		s.mu.Unlock()
	}
	return log
}

// Snapshot returns a deep copy of the served district.
func (s *Server) Snapshot() *District {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.d.Clone()
}
