package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// AddUser adds a user and returns their id.
func (s *Server) AddUser(u User) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	u.ID = s.nextID
	s.users[u.ID] = &u
	return u.ID
}

// Enroll adds an enrollment of user in course and returns its id.
func (s *Server) Enroll(courseID, userID int64, typ, state string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.courses[courseID]; !ok {
		return 0, fmt.Errorf("fake: enroll in course %d: no such course", courseID)
	}
	if _, ok := s.users[userID]; !ok {
		return 0, fmt.Errorf("fake: enroll user %d: no such user", userID)
	}
	if _, ok := roleIDs[typ]; !ok {
		return 0, fmt.Errorf("fake: enroll: unknown type %q", typ)
	}
	s.nextID++
	s.rosters[courseID] = append(s.rosters[courseID], &Enrollment{ID: s.nextID, CourseID: courseID, UserID: userID, Type: typ, State: state})
	s.sortRoster(courseID)
	return s.nextID, nil
}

// SetState changes the state of every enrollment of user in course.
func (s *Server) SetState(courseID, userID int64, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.rosters[courseID] {
		if e.UserID == userID {
			e.State = state
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("fake: user %d has no enrollment in course %d", userID, courseID)
	}
	return nil
}

// Drop removes user's enrollments in course outright (a hard delete,
// where SetState(..., StateDeleted) is Canvas's soft one).
func (s *Server) Drop(courseID, userID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := len(s.rosters[courseID])
	s.rosters[courseID] = slices.DeleteFunc(s.rosters[courseID], func(e *Enrollment) bool { return e.UserID == userID })
	if len(s.rosters[courseID]) == before {
		return fmt.Errorf("fake: user %d has no enrollment in course %d", userID, courseID)
	}
	return nil
}

// SetEmail changes a user's primary email ("" removes the channel).
func (s *Server) SetEmail(userID int64, email string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("fake: no user %d", userID)
	}
	u.Email = email
	return nil
}

// Change is one change Churn made.
type Change struct {
	Kind     string // enroll, conclude or drop
	CourseID int64
	UserID   int64
}

// Churn applies n random roster changes of the kind a district sees
// between two syncs, in published courses: new students enrolled (40 %),
// enrollments concluded (30 %) and enrollments deleted (30 %).
func (s *Server) Churn(rng *rand.Rand, n int) []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	var live []int64 // published courses: churn elsewhere would change nobody
	for _, id := range s.courseIDs {
		if s.courses[id].WorkflowState == "available" {
			live = append(live, id)
		}
	}
	if len(live) == 0 {
		return nil
	}
	var out []Change
	for range n {
		cid := live[rng.IntN(len(live))]
		roster := s.rosters[cid]
		switch k := rng.IntN(10); {
		case k < 4 || len(roster) == 0:
			s.nextID++
			u := &User{ID: s.nextID, Name: fmt.Sprintf("New Student %d", s.nextID),
				SortableName: fmt.Sprintf("Student %d, New", s.nextID), Email: fmt.Sprintf("new.student%d@students.district.example.org", s.nextID)}
			u.SISUserID = fmt.Sprintf("s%06d", s.nextID)
			u.LoginID = u.SISUserID
			s.users[u.ID] = u
			s.nextID++
			s.rosters[cid] = append(roster, &Enrollment{ID: s.nextID, CourseID: cid, UserID: u.ID, Type: StudentEnrollment, State: StateActive})
			s.sortRoster(cid)
			out = append(out, Change{"enroll", cid, u.ID})
		case k < 7:
			e := roster[rng.IntN(len(roster))]
			e.State = StateCompleted
			out = append(out, Change{"conclude", cid, e.UserID})
		default:
			e := roster[rng.IntN(len(roster))]
			e.State = StateDeleted
			out = append(out, Change{"drop", cid, e.UserID})
		}
	}
	return out
}
