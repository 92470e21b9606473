package fake

// Course role ids Learn ships with; custom roles have ids of their own.
const (
	RoleInstructor        = "Instructor"
	RoleFacilitator       = "BbFacilitator"
	RoleTeachingAssistant = "TeachingAssistant"
	RoleCourseBuilder     = "CourseBuilder"
	RoleGrader            = "Grader"
	RoleStudent           = "Student"
	RoleGuest             = "Guest"
)

// Availability values of users, courses and memberships.
const (
	Yes      = "Yes"
	No       = "No"
	Disabled = "Disabled" // disabled by the SIS integration (data source)
	ByTerm   = "Term"     // courses only: as the term says
)

// Term is a Learn term.
type Term struct {
	ID         string // primary id, _3_1
	ExternalID string
	Name       string
	Available  string // Yes or No; empty: Yes. Courses whose availability is Term follow it.
}

// DataSource is a data source key (the SIS feed records belong to).
type DataSource struct {
	ID          string // primary id, _2_1
	ExternalID  string
	Description string
}

// Course is a course or, with Organization set, an organization. A child
// of a cross-listed set names its parent.
type Course struct {
	ID           string // primary id, _12_1
	UUID         string
	ExternalID   string
	CourseID     string // the human course id, e.g. ALG1-2026-S1
	Name         string
	TermID       string
	DataSourceID string
	Available    string // Yes, No, Disabled or Term
	Organization bool
	ParentID     string // cross-listed child: its parent course
}

// User is a Learn user. Email empty: contact.email is absent.
type User struct {
	ID           string // primary id, _100_1
	UUID         string
	ExternalID   string
	UserName     string
	StudentID    string
	DataSourceID string
	Given        string
	Family       string
	Email        string
	Available    string // Yes, No or Disabled
}

// Membership enrolls a user in a course with a course role.
type Membership struct {
	ID           string
	CourseID     string
	UserID       string
	DataSourceID string
	Available    string // Yes, No or Disabled
	CourseRoleID string
}

// District is what the fake serves.
type District struct {
	Terms       []Term
	DataSources []DataSource
	Courses     []Course
	Users       []User
	Memberships []Membership
}
