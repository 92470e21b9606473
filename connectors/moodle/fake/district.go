package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Role is a Moodle role.
type Role struct {
	ID        int64
	Shortname string
	Name      string
}

// Standard roles of a Moodle site, and a custom parent role.
var (
	RoleManager        = Role{1, "manager", "Manager"}
	RoleCourseCreator  = Role{2, "coursecreator", "Course creator"}
	RoleEditingTeacher = Role{3, "editingteacher", "Teacher"}
	RoleTeacher        = Role{4, "teacher", "Non-editing teacher"}
	RoleStudent        = Role{5, "student", "Student"}
	RoleGuest          = Role{6, "guest", "Guest"}
	RoleParent         = Role{9, "parent", "Parent"}
)

// Category is a course category; Parent 0 is top level.
type Category struct {
	ID     int64
	Parent int64
	Name   string
}

// Course is a course; hidden courses have Visible false.
type Course struct {
	ID         int64
	CategoryID int64
	Shortname  string
	Fullname   string
	Visible    bool
}

// User is a Moodle account. EmailHidden leaves the email out of answers,
// as Moodle does when the token's user may not see it.
type User struct {
	ID          int64
	Username    string
	First, Last string
	Email       string
	EmailHidden bool
	IDNumber    string
}

// Enrolment is one user's enrolment in a course with their roles there.
// Suspended enrolments and ended ones (Ended) are not active.
type Enrolment struct {
	CourseID  int64
	UserID    int64
	Roles     []Role
	Suspended bool
	Ended     bool
}

// Site is everything one fake serves.
type Site struct {
	Name       string
	Categories []Category
	Courses    []Course
	Users      []User
	Enrolments []Enrolment
}

// Generate builds a seeded site of about people users over courses
// courses in a category tree (Schools > two schools > a subcategory), with
// the traps of the package doc: students in three courses, teachers
// editing or not, every 13th user's email hidden, every 11th enrolment
// suspended or ended, a user with no role, a parent in every fifth course,
// every eighth course hidden.
func Generate(seed int64, people, courses int) *Site {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x300d1e))
	s := &Site{Name: "District Moodle", Categories: []Category{{ID: 1, Name: "Miscellaneous"}, {ID: 2, Name: "Schools"},
		{ID: 3, Parent: 2, Name: "North High"}, {ID: 4, Parent: 2, Name: "South High"}, {ID: 5, Parent: 3, Name: "Electives"}}}
	courses = max(courses, 1)
	for i := range courses {
		s.Courses = append(s.Courses, Course{ID: int64(100 + i), CategoryID: int64(3 + i%3), Shortname: fmt.Sprintf("C%03d", i+1),
			Fullname: fmt.Sprintf("Course %d", i+1), Visible: i%8 != 7})
	}
	teachers := max(1, people/25)
	for i := range people {
		u := User{ID: int64(1000 + i), First: first[rng.IntN(len(first))], Last: last[rng.IntN(len(last))], IDNumber: fmt.Sprint("S", 1000+i)}
		u.Username = strings.ToLower(u.First[:1]+u.Last) + fmt.Sprint(i)
		u.Email = u.Username + "@district.example.org"
		u.EmailHidden = i%13 == 12
		s.Users = append(s.Users, u)
		n, role := 3, RoleStudent
		if i < teachers {
			n, role = 2, []Role{RoleEditingTeacher, RoleTeacher}[i%2]
		}
		for k := range n {
			e := Enrolment{CourseID: s.Courses[(i*5+k*3)%len(s.Courses)].ID, UserID: u.ID, Roles: []Role{role}}
			if (i+k)%11 == 10 {
				e.Suspended, e.Ended = (i+k)%2 == 0, (i+k)%2 == 1
			}
			if i == teachers && k == 0 {
				e.Roles = nil // enrolled, no role
			}
			s.Enrolments = append(s.Enrolments, e)
		}
	}
	for i, c := range s.Courses {
		if i%5 == 0 {
			id := int64(90000 + i)
			s.Users = append(s.Users, User{ID: id, Username: fmt.Sprint("parent", i), First: "Parent", Last: fmt.Sprint(i), Email: fmt.Sprintf("parent%d@home.example.org", i)})
			s.Enrolments = append(s.Enrolments, Enrolment{CourseID: c.ID, UserID: id, Roles: []Role{RoleParent}})
		}
	}
	return s
}

var first = []string{"Ada", "Ben", "Cleo", "Dev", "Ema", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kai", "Lena"}
var last = []string{"Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen"}

// ActiveMembers is who a sync of category 2 (all schools) with default
// settings must find, by lower-cased email: active enrolments in visible
// courses, visible emails, student or (editing) teacher roles, teachers
// over students.
func (s *Site) ActiveMembers() map[string]string {
	users := map[int64]*User{}
	for i := range s.Users {
		users[s.Users[i].ID] = &s.Users[i]
	}
	visible := map[int64]bool{}
	for _, c := range s.Courses {
		visible[c.ID] = c.Visible && c.CategoryID >= 2
	}
	out := map[string]string{}
	for _, e := range s.Enrolments {
		u := users[e.UserID]
		if u == nil || e.Suspended || e.Ended || !visible[e.CourseID] || u.EmailHidden || u.Email == "" {
			continue
		}
		email := strings.ToLower(u.Email)
		for _, r := range e.Roles {
			switch r.Shortname {
			case "editingteacher", "teacher":
				out[email] = "teacher"
			case "student":
				if out[email] == "" {
					out[email] = "student"
				}
			}
		}
	}
	return out
}
