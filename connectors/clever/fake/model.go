package fake

import (
	"fmt"
	"slices"
)

// District is what the fake serves: one Clever district.
type District struct {
	ID       string
	Name     string
	Schools  []School
	Users    []User
	Sections []Section
}

// School is one school of the district.
type School struct {
	ID   string
	Name string
}

// User is one Clever user. A nil role is a role the user does not hold.
type User struct {
	ID                  string
	Email               string // "" is served as no email field at all
	First, Middle, Last string
	Student             *Role
	Teacher             *Role
	Staff               *Role
	DistrictAdmin       *Role
	Contact             *ContactRole
}

// Role is one of a user's roles: the schools it holds at (the first is
// the primary school) and the SIS id it has there.
type Role struct {
	Schools []string
	SisID   string
}

// ContactRole is a guardian's role: the students they are a contact of.
type ContactRole struct {
	Students     []string
	Relationship string // e.g. Parent, Guardian
}

// Section ties teachers and students together.
type Section struct {
	ID       string
	School   string
	Name     string
	Subject  string
	Students []string
	Teachers []string // primary first; the first is served as teacher
}

// ObjectID formats n as a Clever id: 24 hexadecimal digits that sort as n
// does, as Clever's ObjectIDs sort by creation time.
func ObjectID(kind byte, n int) string {
	return fmt.Sprintf("5f%02x%020x", kind, n)
}

// Kinds of ObjectID, so ids of different record types never collide.
const (
	KindDistrict byte = 1
	KindSchool   byte = 2
	KindUser     byte = 3
	KindSection  byte = 4
)

// Has reports whether u holds the role named as Clever's API names it:
// student, teacher, staff, district_admin or contact.
func (u *User) Has(role string) bool {
	switch role {
	case "student":
		return u.Student != nil
	case "teacher":
		return u.Teacher != nil
	case "staff":
		return u.Staff != nil
	case "district_admin":
		return u.DistrictAdmin != nil
	case "contact":
		return u.Contact != nil
	}
	return false
}

// HasAt reports whether u holds role at school; contacts and district
// admins hold no school-scoped role.
func (u *User) HasAt(role, school string) bool {
	var r *Role
	switch role {
	case "student":
		r = u.Student
	case "teacher":
		r = u.Teacher
	case "staff":
		r = u.Staff
	}
	return r != nil && slices.Contains(r.Schools, school)
}

// AtSchool reports whether one of u's school-scoped roles is at school.
func (u *User) AtSchool(school string) bool {
	for _, r := range []*Role{u.Student, u.Teacher, u.Staff} {
		if r != nil && slices.Contains(r.Schools, school) {
			return true
		}
	}
	return false
}

// Roles are the role names Clever's API accepts in role=.
var Roles = []string{"student", "teacher", "staff", "district_admin", "contact"}
