package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Generate builds a Canvas instance for a district of about students
// students in courses courses, the same for the same arguments: a root
// account with two school sub-accounts, one term, a teacher per four
// courses (some with a TA), each student in four courses, about 3 % of
// enrollments inactive or completed, some users whose email is only their
// login id, a parent observing each course, and an admin user.
func Generate(seed int64, students, courses int) *District {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	courses = max(courses, 1)
	d := &District{
		Accounts: []Account{{ID: 1, Name: "Demo District"}, {ID: 2, ParentID: 1, Name: "Lincoln High"}, {ID: 3, ParentID: 1, Name: "O'Keeffe Middle"}},
		Terms:    []Term{{ID: 1, Name: "2026-27"}},
		Users:    []User{{ID: 1, Name: "Canvas Admin", SortableName: "Admin, Canvas", Email: "canvas.admin@district.example.org", LoginID: "canvas.admin", Admin: true}},
	}
	subjects := []string{"Algebra", "Biology", "World History", "English", "Chemistry", "Art", "Spanish", "Physics", "Music", "Geometry"}
	for i := range courses {
		d.Courses = append(d.Courses, Course{ID: int64(1001 + i), AccountID: int64(2 + i%2), TermID: 1,
			Name:       fmt.Sprintf("%s %d", subjects[i%len(subjects)], 1+i/len(subjects)),
			CourseCode: fmt.Sprintf("%s-%03d", strings.ToUpper(subjects[i%len(subjects)][:3]), i+1), WorkflowState: "available"})
	}
	given := []string{"Thomas", "Maria", "James", "Aisha", "Olivia", "Liam", "Sofia", "Noah", "Mei", "Emma", "Mateo", "Fatima"}
	family := []string{"Smith", "Garcia", "Nguyen", "Johnson", "O'Brien", "Kim", "Patel", "Brown", "Lee", "Okafor"}
	nextUser, nextEnroll := int64(100), int64(500000)
	user := func(kind string, n int) User {
		nextUser++
		g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
		local := strings.ToLower(strings.ReplaceAll(fmt.Sprintf("%s.%s%d", g, f, n), "'", ""))
		u := User{ID: nextUser, Name: g + " " + f, SortableName: f + ", " + g, Email: local + "@district.example.org", LoginID: local}
		if kind == "student" && n%7 == 3 {
			// Canvas leaves the email channel empty for some; the login is the address.
			u.Email, u.LoginID = "", local+"@district.example.org"
		}
		return u
	}
	enroll := func(course, userID int64, typ string) {
		nextEnroll++
		state := StateActive
		if r := rng.IntN(100); r < 2 {
			state = StateInactive
		} else if r < 3 {
			state = StateCompleted
		}
		d.Enrollments = append(d.Enrollments, Enrollment{ID: nextEnroll, CourseID: course, UserID: userID, Type: typ, State: state})
	}
	for i := 0; i < courses; i += 4 {
		t := user("teacher", i)
		d.Users = append(d.Users, t)
		for c := i; c < min(i+4, courses); c++ {
			enroll(d.Courses[c].ID, t.ID, TeacherEnrollment)
		}
		if i%12 == 0 {
			ta := user("ta", i)
			d.Users = append(d.Users, ta)
			enroll(d.Courses[i].ID, ta.ID, TaEnrollment)
		}
	}
	for n := range students {
		s := user("student", n)
		d.Users = append(d.Users, s)
		first := rng.IntN(courses)
		for k := range min(4, courses) {
			enroll(d.Courses[(first+k*7)%courses].ID, s.ID, StudentEnrollment)
		}
	}
	for i, c := range d.Courses {
		p := user("parent", i)
		p.Email, p.LoginID = fmt.Sprintf("parent%d@home.example.org", i), fmt.Sprintf("parent%d", i)
		d.Users = append(d.Users, p)
		enroll(c.ID, p.ID, ObserverEnrollment)
	}
	return d
}

// ActiveMembers is who a sync of the whole district should make members,
// by email, observers excluded: people with at least one active enrollment
// and a usable email (Email, else LoginID when it is an address); a
// teacher anywhere is a teacher.
func (d *District) ActiveMembers() map[string]string {
	users := map[int64]*User{}
	for i := range d.Users {
		users[d.Users[i].ID] = &d.Users[i]
	}
	out := map[string]string{}
	for _, e := range d.Enrollments {
		if e.State != StateActive || e.Type == ObserverEnrollment {
			continue
		}
		u := users[e.UserID]
		email := u.Email
		if email == "" && strings.Contains(u.LoginID, "@") {
			email = u.LoginID
		}
		if email == "" {
			continue
		}
		email = strings.ToLower(email)
		role := "student"
		if e.Type != StudentEnrollment {
			role = "teacher"
		}
		if out[email] != "teacher" {
			out[email] = role
		}
	}
	return out
}

// Snapshot copies what the server holds now (after churn) as a District,
// for tests and the demo to work out who should be a member.
func (s *Server) Snapshot() *District {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := &District{}
	for _, a := range s.accounts {
		d.Accounts = append(d.Accounts, *a)
	}
	for _, t := range s.terms {
		d.Terms = append(d.Terms, *t)
	}
	for _, id := range s.courseIDs {
		d.Courses = append(d.Courses, *s.courses[id])
		for _, e := range s.rosters[id] {
			d.Enrollments = append(d.Enrollments, *e)
		}
	}
	for _, u := range s.users {
		d.Users = append(d.Users, *u)
	}
	return d
}
