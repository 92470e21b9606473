package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Enrollment statuses as Schoology numbers them.
const (
	StatusActive         = 1
	StatusExpired        = 2
	StatusInvitePending  = 3
	StatusRequestPending = 4
	StatusArchived       = 5
)

// Role ids of the generated districts (Schoology's own example ids).
const (
	RoleParent  = 1215
	RoleAdmin   = 1212
	RoleStudent = 1214
	RoleTeacher = 1213
	RoleGuest   = 1216
)

// School is the school the API key belongs to.
type School struct {
	ID    int64
	Title string
}

// Building is one building (campus) of the school.
type Building struct {
	ID    int64
	Title string
}

// Role is a school role.
type Role struct {
	ID      int64
	Title   string
	Faculty bool
}

// User is one account. Inactive users are deactivated: gone from lists.
type User struct {
	UID        int64
	BuildingID int64
	SchoolUID  string // SIS id
	First      string
	Last       string
	Username   string
	Email      string // primary_email; may be empty
	RoleID     int64
	Inactive   bool
}

// Course is a container of sections.
type Course struct {
	ID         int64
	BuildingID int64
	Title      string
	Code       string
}

// Section is where people are enrolled. Past sections belong to an
// expired grading period.
type Section struct {
	ID       int64
	CourseID int64
	Title    string
	Past     bool
}

// Enrollment places a user in a section.
type Enrollment struct {
	ID        int64
	SectionID int64
	UID       int64
	Admin     bool
	Status    int
}

// District is everything one fake serves.
type District struct {
	School      School
	Buildings   []Building
	Roles       []Role
	Users       []User
	Courses     []Course
	Sections    []Section
	Enrollments []Enrollment
}

// DefaultRoles are the school roles of Schoology's documentation, plus a
// custom "Guest" role.
func DefaultRoles() []Role {
	return []Role{{RoleParent, "Parent", false}, {RoleAdmin, "School Admin", true}, {RoleStudent, "Student", false},
		{RoleTeacher, "Teacher", true}, {RoleGuest, "Guest", false}}
}

// Generate builds a seeded district of about people users spread over
// sections sections (in courses of three buildings), with every trap of
// the package doc: students in four sections each, teachers in two, every
// 13th user without an email, every 17th deactivated, every 11th
// enrollment not active, a Guest in every tenth section, every ninth
// section from a past grading period, parents with no enrollments.
func Generate(seed int64, people, sections int) *District {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5c400))
	d := &District{School: School{ID: 344232, Title: "Lincoln Unified"}, Roles: DefaultRoles()}
	for b := range 3 {
		d.Buildings = append(d.Buildings, Building{ID: int64(5171921 + b), Title: fmt.Sprintf("Building %d", b+1)})
	}
	sections = max(sections, 1)
	for i := range sections {
		b := d.Buildings[i%len(d.Buildings)]
		cid := int64(1407691 + i/3)
		if i%3 == 0 {
			d.Courses = append(d.Courses, Course{ID: cid, BuildingID: b.ID, Title: fmt.Sprintf("Course %d", i/3+1), Code: fmt.Sprintf("C%03d", i/3+1)})
		}
		d.Sections = append(d.Sections, Section{ID: int64(4318461 + i), CourseID: cid, Title: fmt.Sprintf("Section %d", i+1), Past: i%9 == 8})
	}
	nextEnr := int64(44783136)
	enroll := func(uid int64, s Section, admin bool, status int) {
		nextEnr++
		d.Enrollments = append(d.Enrollments, Enrollment{ID: nextEnr, SectionID: s.ID, UID: uid, Admin: admin, Status: status})
	}
	teachers := max(1, people/25)
	for i := range people {
		uid := int64(48289 + i)
		teacher := i < teachers
		u := User{UID: uid, BuildingID: d.Buildings[i%3].ID, SchoolUID: fmt.Sprintf("s%d", uid), First: firstNames[rng.IntN(len(firstNames))],
			Last: lastNames[rng.IntN(len(lastNames))], RoleID: RoleStudent}
		u.Username = strings.ToLower(u.First[:1] + u.Last + fmt.Sprint(i))
		u.Email = u.Username + "@district.example.org"
		if teacher {
			u.RoleID = RoleTeacher
		}
		if i%13 == 12 {
			u.Email = ""
		}
		if i%29 == 5 && u.Email != "" {
			u.Email = strings.ToUpper(u.Email[:1]) + u.Email[1:] // mixed case, as entered
		}
		u.Inactive = i%17 == 16
		d.Users = append(d.Users, u)
		n := 4
		if teacher {
			n = 2
		}
		for k := range n {
			s := d.Sections[(i*7+k*5)%len(d.Sections)]
			status := StatusActive
			if (i+k)%11 == 10 {
				status = []int{StatusExpired, StatusInvitePending, StatusRequestPending, StatusArchived}[(i+k)%4]
			}
			enroll(uid, s, teacher, status)
		}
	}
	for i, s := range d.Sections {
		if i%10 == 0 {
			uid := int64(900000 + i)
			d.Users = append(d.Users, User{UID: uid, BuildingID: d.Buildings[0].ID, First: "Visiting", Last: fmt.Sprint("Guest ", i),
				Username: fmt.Sprint("guest", i), Email: fmt.Sprintf("guest%d@visitors.example.org", i), RoleID: RoleGuest})
			enroll(uid, s, false, StatusActive)
		}
		if i%4 == 0 {
			d.Users = append(d.Users, User{UID: int64(950000 + i), BuildingID: d.Buildings[0].ID, First: "Parent", Last: fmt.Sprint(i),
				Email: fmt.Sprintf("parent%d@home.example.org", i), RoleID: RoleParent})
		}
	}
	return d
}

var firstNames = []string{"Ada", "Ben", "Cleo", "Dev", "Ema", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kai", "Lena", "Milo", "Nia", "Omar", "Pia"}
var lastNames = []string{"Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Khan", "Lopez"}

// ActiveMembers is who a sync of the whole school with default settings
// must find, by lower-cased email: users with an email, active, with an
// active enrollment in a current section, teachers over students, Guests
// and Parents left out.
func (d *District) ActiveMembers() map[string]string {
	users := map[int64]*User{}
	for i := range d.Users {
		users[d.Users[i].UID] = &d.Users[i]
	}
	current := map[int64]bool{}
	for _, s := range d.Sections {
		current[s.ID] = !s.Past
	}
	out := map[string]string{}
	for _, e := range d.Enrollments {
		u := users[e.UID]
		if u == nil || u.Inactive || u.Email == "" || e.Status != StatusActive || !current[e.SectionID] ||
			u.RoleID == RoleGuest || u.RoleID == RoleParent {
			continue
		}
		email := strings.ToLower(u.Email)
		if e.Admin {
			out[email] = "teacher"
		} else if out[email] == "" {
			out[email] = "student"
		}
	}
	return out
}
