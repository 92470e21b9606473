package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Generate builds a Canvas instance for a district of about students
// students in courses published courses, the same for the same arguments,
// with the traps a real district has: a root account with two school
// sub-accounts, one term, a teacher per four courses (some with a TA, one
// course with a designer), each student in four courses; students log in
// with an SIS username (login_id s123456), not an email; about one
// student in nine has no email at all and one in five typed theirs in
// mixed case; about 5 % of enrollments are inactive, completed, invited
// or deleted; one student also teaches a course; a parent observes each
// course; one unpublished and one concluded course hold active
// enrollments of people found nowhere else; and an admin user.
func Generate(seed int64, students, courses int) *District {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	courses = max(courses, 1)
	d := &District{
		Accounts: []Account{{ID: 1, Name: "Demo District"}, {ID: 2, ParentID: 1, Name: "Lincoln High"}, {ID: 3, ParentID: 1, Name: "O'Keeffe Middle"}},
		Terms:    []Term{{ID: 1, Name: "2026-27"}},
		Users: []User{{ID: 1, Name: "Canvas Admin", SortableName: "Admin, Canvas", Email: "canvas.admin@district.example.org",
			LoginID: "canvas.admin@district.example.org", Admin: true}},
	}
	subjects := []string{"Algebra", "Biology", "World History", "English", "Chemistry", "Art", "Spanish", "Physics", "Music", "Geometry"}
	for i := range courses {
		d.Courses = append(d.Courses, Course{ID: int64(1001 + i), AccountID: int64(2 + i%2), TermID: 1,
			Name:       fmt.Sprintf("%s %d", subjects[i%len(subjects)], 1+i/len(subjects)),
			CourseCode: fmt.Sprintf("%s-%03d", strings.ToUpper(subjects[i%len(subjects)][:3]), i+1), WorkflowState: "available"})
	}
	unpublished, concluded := int64(1001+courses), int64(1002+courses)
	d.Courses = append(d.Courses,
		Course{ID: unpublished, AccountID: 2, TermID: 1, Name: "Summer Bridge (draft)", CourseCode: "DRAFT-1", WorkflowState: "unpublished"},
		Course{ID: concluded, AccountID: 3, TermID: 1, Name: "Last Year's Robotics", CourseCode: "ROB-OLD", WorkflowState: "completed"})
	given := []string{"Thomas", "Maria", "James", "Aisha", "Olivia", "Liam", "Sofia", "Noah", "Mei", "Emma", "Mateo", "Fatima"}
	family := []string{"Smith", "Garcia", "Nguyen", "Johnson", "O'Brien", "Kim", "Patel", "Brown", "Lee", "Okafor"}
	nextUser, nextEnroll := int64(100), int64(500000)
	user := func(kind string, n int) User {
		nextUser++
		g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
		local := strings.ToLower(strings.ReplaceAll(fmt.Sprintf("%s.%s%d", g, f, n), "'", ""))
		u := User{ID: nextUser, Name: g + " " + f, SortableName: f + ", " + g}
		switch kind {
		case "student":
			u.SISUserID = fmt.Sprintf("s%06d", 100000+n)
			u.LoginID = u.SISUserID
			switch {
			case n%9 == 4: // no email channel at all
			case n%5 == 2:
				u.Email = strings.ToUpper(local[:1]) + local[1:] + "@Students.District.example.ORG"
			default:
				u.Email = local + "@students.district.example.org"
			}
		default:
			u.Email = local + "@district.example.org"
			if n%3 == 1 {
				u.Email = strings.ToUpper(local[:1]) + local[1:] + "@District.example.org"
			}
			u.LoginID = strings.ToLower(u.Email)
			u.SISUserID = fmt.Sprintf("t%05d", nextUser)
		}
		return u
	}
	enroll := func(course, userID int64, typ string) *Enrollment {
		nextEnroll++
		state := StateActive
		switch r := rng.IntN(100); {
		case r < 2:
			state = StateInactive
		case r < 3:
			state = StateCompleted
		case r < 4:
			state = StateInvited
		case r < 5:
			state = StateDeleted
		}
		d.Enrollments = append(d.Enrollments, Enrollment{ID: nextEnroll, CourseID: course, UserID: userID, Type: typ, State: state})
		return &d.Enrollments[len(d.Enrollments)-1]
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
	designer := user("designer", 0)
	d.Users = append(d.Users, designer)
	enroll(d.Courses[0].ID, designer.ID, DesignerEnrollment)
	firstStudent := nextUser + 1
	for n := range students {
		s := user("student", n)
		d.Users = append(d.Users, s)
		first := rng.IntN(courses)
		for k := range min(4, courses) {
			enroll(d.Courses[(first+k*7)%courses].ID, s.ID, StudentEnrollment)
		}
	}
	if students > 0 && courses > 1 {
		// A student who also teaches a course (a peer tutor's section).
		enroll(d.Courses[courses-1].ID, firstStudent, TeacherEnrollment).State = StateActive
	}
	for i, c := range d.Courses[:courses] {
		p := user("parent", i)
		p.Email, p.LoginID = fmt.Sprintf("parent%d@home.example.org", i), fmt.Sprintf("parent%d@home.example.org", i)
		d.Users = append(d.Users, p)
		e := enroll(c.ID, p.ID, ObserverEnrollment)
		e.State = StateActive
		if students > 0 {
			e.AssociatedUserID = firstStudent + int64(i%students)
		}
	}
	for _, cid := range []int64{unpublished, concluded} {
		t, s := user("teacher", int(cid)), user("student", int(cid))
		d.Users = append(d.Users, t, s)
		enroll(cid, t.ID, TeacherEnrollment).State = StateActive
		enroll(cid, s.ID, StudentEnrollment).State = StateActive
	}
	return d
}

// ActiveMembers is who a sync of the whole district should make members,
// by email (lower case), observers excluded: people with at least one
// active enrollment in a published, unconcluded course and an email of
// their own; never a login id. A teacher anywhere is a teacher.
func (d *District) ActiveMembers() map[string]string {
	out, _ := d.Members(nil)
	return out
}

// Members is ActiveMembers limited to the courses in only (all when nil),
// and how many people in them have an active enrollment but no email.
func (d *District) Members(only []int64) (members map[string]string, noEmail int) {
	users := map[int64]*User{}
	for i := range d.Users {
		users[d.Users[i].ID] = &d.Users[i]
	}
	live := map[int64]bool{}
	for _, c := range d.Courses {
		live[c.ID] = c.WorkflowState == "available" && (only == nil || slices.Contains(only, c.ID))
	}
	members = map[string]string{}
	missing := map[int64]bool{}
	for _, e := range d.Enrollments {
		if !live[e.CourseID] || e.State != StateActive || e.Type == ObserverEnrollment {
			continue
		}
		u := users[e.UserID]
		if u.Email == "" {
			missing[u.ID] = true
			continue
		}
		email := strings.ToLower(u.Email)
		role := "student"
		if e.Type != StudentEnrollment {
			role = "teacher"
		}
		if members[email] != "teacher" {
			members[email] = role
		}
	}
	return members, len(missing)
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
