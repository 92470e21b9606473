package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Role is a course role.
type Role int

// Course roles.
const (
	Student Role = iota
	Teacher
)

func (r Role) String() string {
	if r == Teacher {
		return "teacher"
	}
	return "student"
}

// AddUser adds a Workspace user. Its id and its email (when set) must be
// new.
func (srv *Server) AddUser(u User) error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if _, dup := srv.users[u.ID]; dup || u.ID == "" {
		return fmt.Errorf("fake: user id %q is empty or taken", u.ID)
	}
	if _, dup := srv.emails[strings.ToLower(u.Email)]; dup && u.Email != "" {
		return fmt.Errorf("fake: email %q is taken", u.Email)
	}
	srv.s.Users = append(srv.s.Users, u)
	srv.users[u.ID] = len(srv.s.Users) - 1
	if u.Email != "" {
		srv.emails[strings.ToLower(u.Email)] = len(srv.s.Users) - 1
	}
	return nil
}

// AddCourse adds c as the newest course; its Teachers and Students must
// be users of the school.
func (srv *Server) AddCourse(c Course) error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if _, dup := srv.courses[c.ID]; dup || c.ID == "" {
		return fmt.Errorf("fake: course id %q is empty or taken", c.ID)
	}
	if !slices.Contains(states, c.State) {
		return fmt.Errorf("fake: course %s: state %q is not one of %v", c.ID, c.State, states)
	}
	for _, id := range slices.Concat(c.Teachers, c.Students) {
		if _, ok := srv.users[id]; !ok {
			return fmt.Errorf("fake: course %s: no user %s", c.ID, id)
		}
	}
	srv.addCourse(&c)
	return nil
}

// SetState changes a course's state.
func (srv *Server) SetState(courseID, state string) error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	c := srv.courses[courseID]
	if c == nil || !slices.Contains(states, state) {
		return fmt.Errorf("fake: no course %s, or state %q unknown", courseID, state)
	}
	c.State = state
	return nil
}

// Enroll adds a user to a course's roster as the newest member.
func (srv *Server) Enroll(courseID, userID string, r Role) error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	c := srv.courses[courseID]
	if _, ok := srv.users[userID]; c == nil || !ok || srv.gone[userID] {
		return fmt.Errorf("fake: no course %s or no user %s", courseID, userID)
	}
	ms := &c.students
	if r == Teacher {
		ms = &c.teachers
	}
	if c.has(*ms, userID) {
		return fmt.Errorf("fake: %s is already a %s of %s", userID, r, courseID)
	}
	srv.seq++
	*ms = append(*ms, member{userID, srv.seq})
	return nil
}

// Unenroll removes a user from a course's roster.
func (srv *Server) Unenroll(courseID, userID string, r Role) error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	c := srv.courses[courseID]
	if c == nil {
		return fmt.Errorf("fake: no course %s", courseID)
	}
	ms := &c.students
	if r == Teacher {
		ms = &c.teachers
	}
	n := len(*ms)
	*ms = slices.DeleteFunc(*ms, func(m member) bool { return m.user == userID })
	if len(*ms) == n {
		return fmt.Errorf("fake: %s is not a %s of %s", userID, r, courseID)
	}
	return nil
}

// Invite records an invitation to a course: the user is not on its
// roster (and not listed) until they accept, as in Classroom.
func (srv *Server) Invite(courseID, userID string) error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	c := srv.courses[courseID]
	if c == nil {
		return fmt.Errorf("fake: no course %s", courseID)
	}
	c.invited = append(c.invited, userID)
	return nil
}

// RemoveUser deletes a user's account: they leave every roster and can
// no longer be looked up.
func (srv *Server) RemoveUser(userID string) error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if _, ok := srv.users[userID]; !ok || srv.gone[userID] {
		return fmt.Errorf("fake: no user %s", userID)
	}
	srv.gone[userID] = true
	for _, c := range srv.list {
		c.teachers = slices.DeleteFunc(c.teachers, func(m member) bool { return m.user == userID })
		c.students = slices.DeleteFunc(c.students, func(m member) bool { return m.user == userID })
	}
	return nil
}

// Change is one roster change Churn made.
type Change struct {
	Course string
	User   string
	Role   Role
	Added  bool
}

// Churn makes n random student roster changes in ACTIVE courses, the same
// for the same seed and school: half drop a student from a course, half
// enroll a student in a course they are not in. It returns the changes.
func (srv *Server) Churn(seed int64, n int) []Change {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6368726e))
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var active []*course
	for _, c := range srv.list {
		if c.State == StateActive {
			active = append(active, c)
		}
	}
	var out []Change
	for i := 0; i < n && len(active) > 0; i++ {
		c := active[rng.IntN(len(active))]
		if i%2 == 0 && len(c.students) > 0 {
			m := c.students[rng.IntN(len(c.students))]
			c.students = slices.DeleteFunc(c.students, func(x member) bool { return x.user == m.user })
			out = append(out, Change{Course: c.ID, User: m.user, Role: Student})
			continue
		}
		u := srv.s.Users[rng.IntN(len(srv.s.Users))]
		if srv.gone[u.ID] || c.has(c.students, u.ID) || c.has(c.teachers, u.ID) {
			continue
		}
		srv.seq++
		c.students = append(c.students, member{u.ID, srv.seq})
		out = append(out, Change{Course: c.ID, User: u.ID, Role: Student, Added: true})
	}
	return out
}

// Roster returns who a course's roster lists now, by role, as user ids.
func (srv *Server) Roster(courseID string) (teachers, students []string) {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	c := srv.courses[courseID]
	if c == nil {
		return nil, nil
	}
	for _, m := range c.teachers {
		teachers = append(teachers, m.user)
	}
	for _, m := range c.students {
		students = append(students, m.user)
	}
	return teachers, students
}

// Users returns a copy of the school's users, deleted ones included.
func (srv *Server) Users() []User {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return slices.Clone(srv.s.Users)
}

// Courses returns the courses as they are now, oldest first.
func (srv *Server) Courses() []Course {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	out := make([]Course, len(srv.list))
	for i, c := range srv.list {
		out[i] = c.Course
		for _, m := range c.teachers {
			out[i].Teachers = append(out[i].Teachers, m.user)
		}
		for _, m := range c.students {
			out[i].Students = append(out[i].Students, m.user)
		}
	}
	return out
}
