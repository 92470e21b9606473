package fake

// LIS role URIs the fake gives members.
const (
	RoleLearner     = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
	RoleInstructor  = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
	RoleTA          = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
	RoleMentor      = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
	RoleContentDev  = "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"
	RoleInstStudent = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
	RoleInstFaculty = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"
)

// Course is one course (an LTI context) and its members.
type Course struct {
	ID      string
	Label   string
	Title   string
	Members []Member
}

// Member is one person in a course.
type Member struct {
	UserID string
	Given  string
	Family string
	Email  string   // "" is served as no email field (privacy settings)
	Status string   // Active, Inactive, Deleted, or "" (no status: Active)
	Roles  []string // LIS role URIs or short names, as served
	SIS    string   // lis_person_sourcedid; "" leaves it out
}

// Name is the member's display name, as the fake serves it.
func (m *Member) Name() string { return m.Given + " " + m.Family }
