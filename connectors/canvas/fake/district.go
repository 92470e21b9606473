package fake

import (
	"cmp"
	"strings"
)

// Enrollment types Canvas knows.
const (
	StudentEnrollment  = "StudentEnrollment"
	TeacherEnrollment  = "TeacherEnrollment"
	TaEnrollment       = "TaEnrollment"
	DesignerEnrollment = "DesignerEnrollment"
	ObserverEnrollment = "ObserverEnrollment"
)

// Enrollment states Canvas knows.
const (
	StateActive    = "active"
	StateInvited   = "invited"
	StateInactive  = "inactive"
	StateCompleted = "completed"
	StateDeleted   = "deleted"
)

// Account is a Canvas account; the root account has ParentID 0.
type Account struct {
	ID       int64
	ParentID int64
	Name     string
}

// Term is an enrollment term of the root account.
type Term struct {
	ID   int64
	Name string
}

// Course is a course in an account and a term. WorkflowState is
// "available" (published), "unpublished" (Canvas's created or claimed),
// "completed" (concluded: its enrollments keep their own states, often
// still active) or "deleted".
type Course struct {
	ID            int64
	AccountID     int64
	TermID        int64
	Name          string
	CourseCode    string
	WorkflowState string
}

// User is a Canvas user. Email is their primary email channel (empty:
// none), as they typed it (any case); LoginID their login (pseudonym
// unique_id), which for students is usually an SIS username, not an
// email; SISUserID their SIS id.
type User struct {
	ID           int64
	Name         string
	SortableName string
	Email        string
	LoginID      string
	SISUserID    string
	Admin        bool // an account admin: may read every roster
	// NoEmailPermission: this admin's role has "Users - view primary
	// email address" (read_email_addresses) switched off, so Canvas
	// leaves the email key out of every user it shows them.
	NoEmailPermission bool
}

// Enrollment places a user in a course.
type Enrollment struct {
	ID       int64
	CourseID int64
	UserID   int64
	Type     string // StudentEnrollment, TeacherEnrollment, ...
	State    string // active, invited, inactive, completed, deleted
	// AssociatedUserID is the student an ObserverEnrollment observes.
	AssociatedUserID int64
}

// District is what the fake serves: one root account and what is under it.
type District struct {
	Accounts    []Account
	Terms       []Term
	Courses     []Course
	Users       []User
	Enrollments []Enrollment
}

// compareEnrollment orders a course's enrollments as Canvas's bookmarker
// does: type, the user's sortable name, enrollment id.
func compareEnrollment(aType, aName string, aID int64, bType, bName string, bID int64) int {
	if c := strings.Compare(aType, bType); c != 0 {
		return c
	}
	if c := strings.Compare(strings.ToLower(aName), strings.ToLower(bName)); c != 0 {
		return c
	}
	return cmp.Compare(aID, bID)
}
