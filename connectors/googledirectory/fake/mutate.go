package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Move puts the user with primary email email into org unit ou.
func (s *Server) Move(email, ou string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.findEmail(email)
	if !ok {
		return fmt.Errorf("fake: move %s: no such user", email)
	}
	p, ok := s.canonicalOU(ou)
	if !ok {
		return fmt.Errorf("fake: move %s: org unit %q does not exist", email, ou)
	}
	s.movePath(i, p)
	return nil
}

// Add creates a user and returns it with its assigned id. PrimaryEmail is
// required and unique (case-insensitively); OrgUnitPath must exist (empty:
// "/"). The email is stored exactly as given.
func (s *Server) Add(u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.PrimaryEmail == "" {
		return User{}, fmt.Errorf("fake: add: primaryEmail is required")
	}
	if _, dup := s.findEmail(u.PrimaryEmail); dup {
		return User{}, fmt.Errorf("fake: add %s: entity already exists", u.PrimaryEmail)
	}
	if u.OrgUnitPath == "" {
		u.OrgUnitPath = "/"
	}
	p, ok := s.canonicalOU(u.OrgUnitPath)
	if !ok {
		return User{}, fmt.Errorf("fake: add %s: org unit %q does not exist", u.PrimaryEmail, u.OrgUnitPath)
	}
	u.OrgUnitPath = p
	// New ids sort after every generated one ("119…" > "11844…"), so an
	// append keeps the list in id order without moving a million entries.
	s.addSeq++
	u.ID = fmt.Sprintf("119%018d", s.addSeq)
	s.addLast(u)
	return u, nil
}

// Suspend suspends the user with primary email email.
func (s *Server) Suspend(email string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.findEmail(email)
	if !ok {
		return fmt.Errorf("fake: suspend %s: no such user", email)
	}
	s.d.Users[i].Suspended = true
	return nil
}

// Remove deletes the user with primary email email.
func (s *Server) Remove(email string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.findEmail(email)
	if !ok {
		return fmt.Errorf("fake: remove %s: no such user", email)
	}
	s.removeAt(i)
	return nil
}

// Change is one change Churn made.
type Change struct {
	Kind  string // add, move, suspend or remove
	Email string
	From  string // org unit before (move, suspend, remove)
	To    string // org unit after (add, move)
}

// Churn applies n random changes to people who are not admins, the kind a
// district sees between two syncs: new students (30 %), moves to another
// grade or school (40 %), suspensions (15 %) and leavers (15 %).
func (s *Server) Churn(rng *rand.Rand, n int) []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Change
	for range n {
		if len(s.d.Schools) == 0 {
			break
		}
		school := s.d.Schools[rng.IntN(len(s.d.Schools))]
		grade := "/Students/" + school.Name + "/" + school.Grades[rng.IntN(len(school.Grades))]
		r := rng.IntN(100)
		if r < 30 || len(s.d.Users) == 0 {
			g := givenNames[rng.IntN(len(givenNames))]
			f := familyNames[rng.IntN(len(familyNames))]
			s.addSeq++
			u := User{ID: fmt.Sprintf("119%018d", s.addSeq), GivenName: g, FamilyName: f, OrgUnitPath: grade,
				PrimaryEmail: fmt.Sprintf("%s.%s.new%d@%s", emailPart(g), emailPart(f), s.addSeq, s.d.Domain)}
			s.addLast(u)
			out = append(out, Change{Kind: "add", Email: u.PrimaryEmail, To: grade})
			continue
		}
		i := s.pickLive(rng)
		if i < 0 {
			break
		}
		u := &s.d.Users[i]
		c := Change{Email: u.PrimaryEmail, From: u.OrgUnitPath}
		switch {
		case r < 70:
			c.Kind, c.To = "move", grade
			if strings.HasPrefix(u.OrgUnitPath, "/Staff/") {
				c.To = "/Staff/" + school.Name
			}
			s.movePath(i, c.To)
		case r < 85:
			c.Kind = "suspend"
			u.Suspended = true
		default:
			c.Kind = "remove"
			s.removeAt(i)
		}
		out = append(out, c)
	}
	return out
}

// addLast adds u after every other user (its id sorts last), keeping
// the index right. Callers hold s.mu.
func (s *Server) addLast(u User) {
	s.d.Users = append(s.d.Users, u)
	s.removed = append(s.removed, false)
	s.index.add(s.d.Users, len(s.d.Users)-1)
}

// movePath places the user at position i in org unit path p, keeping the
// index right. Callers hold s.mu.
func (s *Server) movePath(i int, p string) {
	u := &s.d.Users[i]
	if s.removed[i] {
		u.OrgUnitPath = p
		return
	}
	s.index.remove(s.d.Users, i, u.OrgUnitPath)
	u.OrgUnitPath = p
	s.index.add(s.d.Users, i)
}

// removeAt tombstones the user at position i. Callers hold s.mu.
func (s *Server) removeAt(i int) {
	if s.removed[i] {
		return
	}
	s.removed[i] = true
	s.index.remove(s.d.Users, i, s.d.Users[i].OrgUnitPath)
}

// pickLive picks a random live user who is not an admin, or -1.
func (s *Server) pickLive(rng *rand.Rand) int {
	for range 64 {
		i := rng.IntN(len(s.d.Users))
		u := &s.d.Users[i]
		if !s.removed[i] && !u.IsAdmin && !s.delegate[u.ID] && u.PrimaryEmail != s.d.NonAdmin {
			return i
		}
	}
	return -1
}

func (s *Server) canonicalOU(path string) (string, bool) {
	for _, ou := range s.d.OrgUnits {
		if strings.EqualFold(ou.Path, path) {
			return ou.Path, true
		}
	}
	return "", false
}

// ActiveIn lists the current users a sync of ou should see: live, not
// suspended nor archived, in ou or (with sub) below it, in id order.
func (s *Server) ActiveIn(ou string, sub bool) []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []User
	for i := range s.d.Users {
		u := &s.d.Users[i]
		if !s.removed[i] && !u.Suspended && !u.Archived && ouMatch(u.OrgUnitPath, ou, sub) {
			out = append(out, *u)
		}
	}
	return out
}

// Users returns every live user, in id order.
func (s *Server) Users() []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]User, 0, len(s.d.Users))
	for i := range s.d.Users {
		if !s.removed[i] {
			out = append(out, s.d.Users[i])
		}
	}
	return out
}
