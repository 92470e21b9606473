package license

// Role is what a member is on a license.
type Role string

// Roles a member can have.
const (
	RoleStudent Role = "student"
	RoleTeacher Role = "teacher"
	RoleOther   Role = "other"
)

// Roles lists every valid role, strongest first.
var Roles = []Role{RoleTeacher, RoleOther, RoleStudent}

// ParseRole accepts a role name in any case; empty means student.
func ParseRole(s string) (Role, error) {
	switch Role(lower(s)) {
	case "", RoleStudent:
		return RoleStudent, nil
	case RoleTeacher:
		return RoleTeacher, nil
	case RoleOther:
		return RoleOther, nil
	}
	return "", invalid("role", s, "must be student, teacher or other")
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r == RoleStudent || r == RoleTeacher || r == RoleOther }

// Rank orders roles by strength: when several claims give a member
// different roles, the strongest wins, and teachers take seats first.
// A teacher outranks staff ("other"), who outrank students.
func (r Role) Rank() int {
	switch r {
	case RoleTeacher:
		return 3
	case RoleOther:
		return 2
	case RoleStudent:
		return 1
	}
	return 0
}

// Stronger returns the stronger of two roles.
func Stronger(a, b Role) Role {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}
