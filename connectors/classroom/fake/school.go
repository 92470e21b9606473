package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Course states, as courses.list's courseStates filter names them.
const (
	StateActive      = "ACTIVE"
	StateArchived    = "ARCHIVED"
	StateProvisioned = "PROVISIONED"
	StateDeclined    = "DECLINED"
	StateSuspended   = "SUSPENDED"
)

var states = []string{StateActive, StateArchived, StateProvisioned, StateDeclined, StateSuspended}

// User is a Google Workspace user as Classroom profiles show them.
type User struct {
	ID         string // numeric, as Google's user ids
	Email      string // may be empty: the profile then never has an email
	GivenName  string
	FamilyName string
	Admin      bool // a domain admin sees every course; others only their own
}

// Course is one class. Teachers and Students hold user ids in the order
// they joined. OwnerID is normally one of Teachers, as Classroom keeps it;
// the fake does not insist (a course whose owner's account is gone).
type Course struct {
	ID       string
	Name     string
	Section  string
	State    string
	OwnerID  string
	Teachers []string
	Students []string
}

// School is a Google Workspace for Education domain's Classroom.
type School struct {
	Domain  string
	Admin   string // email of a domain admin, for the token subject
	Users   []User
	Courses []Course // in creation order, oldest first
}

var (
	givenNames  = []string{"Ana", "Ben", "Chidi", "Dana", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mateo", "Nour", "Oskar", "Priya"}
	familyNames = []string{"Abara", "Brandt", "Castillo", "Dubois", "Eriksen", "Fujita", "García", "Haddad", "Iyer", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak"}
	subjects    = []string{"Algebra", "Biology", "Chemistry", "English", "History", "Art", "Music", "Physics", "Spanish", "Geometry", "Civics", "Drama"}
)

// UserID is the Google-style user id of the fake's n-th generated user.
func UserID(n int) string { return strconv.FormatInt(100000000000000000+int64(n), 10) }

// Generate builds a school with about enrollments student enrollments, the
// same for the same arguments: students each in four to eight ACTIVE
// courses; teachers each owning three to six courses, some co-teaching a
// colleague's; one admin; a few ARCHIVED and PROVISIONED courses whose
// members must not appear under the default course states; one student in
// fifty without an email in their profile (a Workspace account with no
// mailbox, as a young pupil's may be).
func Generate(seed int64, enrollments int) *School {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x636c6173))
	const perStudent, perCourse = 6, 25
	students := max(enrollments/perStudent, 1)
	courses := max(enrollments/perCourse, 1)
	s := &School{Domain: "school.example.edu"}
	n := 0
	user := func(given, family, email string, admin bool) string {
		n++
		u := User{ID: UserID(n), GivenName: given, FamilyName: family, Email: email, Admin: admin}
		s.Users = append(s.Users, u)
		return u.ID
	}
	user("Rosa", "Admin", "classroom.admin@"+s.Domain, true)
	s.Admin = "classroom.admin@" + s.Domain
	teachers := make([]string, max(courses/4, 1))
	for i := range teachers {
		g, f := givenNames[rng.IntN(len(givenNames))], familyNames[rng.IntN(len(familyNames))]
		teachers[i] = user(g, f, fmt.Sprintf("%s.%s.t%d@%s", lower(g), lower(f), i, s.Domain), false)
	}
	studentIDs := make([]string, students)
	for i := range studentIDs {
		g, f := givenNames[rng.IntN(len(givenNames))], familyNames[rng.IntN(len(familyNames))]
		email := fmt.Sprintf("%s.%s%d@students.%s", lower(g), lower(f), i, s.Domain)
		if i%50 == 49 {
			email = ""
		}
		studentIDs[i] = user(g, f, email, false)
	}
	s.Courses = make([]Course, courses)
	for c := range s.Courses {
		owner := teachers[c%len(teachers)]
		co := []string{owner}
		if rng.IntN(5) == 0 && len(teachers) > 1 {
			co = append(co, teachers[(c+1+rng.IntN(len(teachers)-1))%len(teachers)])
		}
		state := StateActive
		switch c % 40 {
		case 17:
			state = StateArchived
		case 31:
			state = StateProvisioned
		}
		s.Courses[c] = Course{
			ID: strconv.FormatInt(600000000000+int64(c)*7919, 10), Name: subjects[c%len(subjects)],
			Section: fmt.Sprintf("Period %d", c%8+1), State: state, OwnerID: owner, Teachers: co,
		}
	}
	for i, id := range studentIDs {
		k := 4 + rng.IntN(5)
		for j := range k {
			// Spread students so that every course fills: consecutive
			// students take consecutive blocks, with a random stride.
			c := (i*perStudent + j*(1+rng.IntN(3))) % courses
			if !slices.Contains(s.Courses[c].Students, id) {
				s.Courses[c].Students = append(s.Courses[c].Students, id)
			}
		}
	}
	return s
}

func lower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		} else if r == 'í' {
			b.WriteByte('i')
		}
	}
	return b.String()
}

// Enrollments counts the student and teacher enrollments of courses in
// one of states (none: every state).
func (s *School) Enrollments(states ...string) (students, teachers int) {
	for i := range s.Courses {
		c := &s.Courses[i]
		if len(states) > 0 && !slices.Contains(states, c.State) {
			continue
		}
		students += len(c.Students)
		teachers += len(c.Teachers)
	}
	return students, teachers
}
