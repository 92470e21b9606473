package fake

// Org unit type ids Brightspace ships with (tenants may add their own).
const (
	TypeOrganization   = 1
	TypeCourseTemplate = 2
	TypeCourseOffering = 3
	TypeSection        = 5
	TypeDepartment     = 203 // a tenant-defined type, as schools often are
)

// OrgUnitType is a type of org unit.
type OrgUnitType struct {
	ID   int
	Code string
	Name string
}

// OrgUnit is a node of the org structure.
type OrgUnit struct {
	ID      int
	Name    string
	Code    string
	Type    int
	Parents []int // org units directly above
}

// Role is one of the tenant's roles; ids differ between tenants.
type Role struct {
	ID   int
	Code string
	Name string
}

// User is a Brightspace user. Email empty: EmailAddress is null.
type User struct {
	ID           int
	FirstName    string
	LastName     string
	UserName     string
	OrgDefinedID string
	Email        string
	Active       bool
}

// Enrollment places a user in an org unit with a role.
type Enrollment struct {
	OrgUnitID int
	UserID    int
	RoleID    int
}

// District is the tenant the fake serves.
type District struct {
	Types       []OrgUnitType
	OrgUnits    []OrgUnit
	Roles       []Role
	Users       []User
	Enrollments []Enrollment
}

// DefaultTypes are the built-in org unit types and a tenant's department.
var DefaultTypes = []OrgUnitType{
	{TypeOrganization, "Organization", "Organization"},
	{TypeCourseTemplate, "Course Template", "Course Template"},
	{TypeCourseOffering, "Course Offering", "Course Offering"},
	{TypeSection, "Section", "Section"},
	{TypeDepartment, "School", "School"},
}
