package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// CustomCoTeacher is the id of the custom course role Generate gives some
// co-teachers: a connector leaves it out unless its roles map it.
const CustomCoTeacher = "DistrictCoTeacher"

// Generate builds a Learn district of about students students in courses
// courses, the same for the same arguments: one current term (_1_1,
// externalId 2026-FA) and one past term, an SIS data source (_2_1,
// externalId SIS.2026) beside SYSTEM (_1_1); a teacher (Instructor) per four
// courses, a TeachingAssistant in every sixth, a Grader and a co-teacher in
// the custom role DistrictCoTeacher in every eighth, a Guest in every
// course; each student in four courses; every tenth course unavailable,
// the second course cross-listed under the first; an organization (a club)
// with members; about 3 % of memberships unavailable (No) or disabled by
// the SIS (Disabled); one student in forty disabled as a user; one student
// in seven without contact.email.
func Generate(seed int64, students, courses int) *District {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xb1ac))
	courses = max(courses, 2)
	d := &District{
		Terms:       []Term{{ID: "_1_1", ExternalID: "2026-FA", Name: "Fall 2026"}, {ID: "_2_1", ExternalID: "2026-SP", Name: "Spring 2026"}},
		DataSources: []DataSource{{ID: "_1_1", ExternalID: "SYSTEM", Description: "Internal data source"}, {ID: "_2_1", ExternalID: "SIS.2026", Description: "SIS feed 2026"}},
	}
	subjects := []string{"Algebra", "Biology", "World History", "English", "Chemistry", "Art", "Spanish", "Physics", "Music", "Geometry"}
	for i := range courses {
		c := Course{ID: fmt.Sprintf("_%d_1", 100+i), UUID: fmt.Sprintf("c%031d", i), ExternalID: fmt.Sprintf("SIS-C%04d", i+1),
			CourseID: fmt.Sprintf("%s-%03d-FA26", strings.ToUpper(subjects[i%len(subjects)][:3]), i+1),
			Name:     fmt.Sprintf("%s %d", subjects[i%len(subjects)], 1+i/len(subjects)), TermID: "_1_1", DataSourceID: "_2_1", Available: Yes}
		switch {
		case i%10 == 9:
			c.Available = No
		case i%10 == 4:
			c.Available = ByTerm // as term _1_1 says: available
		}
		if i == 1 {
			c.ParentID = d.Courses[0].ID
		}
		d.Courses = append(d.Courses, c)
	}
	club := Course{ID: fmt.Sprintf("_%d_1", 100+courses), UUID: "club", ExternalID: "ORG-CHESS", CourseID: "CHESS-CLUB", Name: "Chess Club",
		TermID: "_1_1", DataSourceID: "_2_1", Available: Yes, Organization: true}
	d.Courses = append(d.Courses, club)

	given := []string{"Thomas", "Maria", "James", "Aisha", "Olivia", "Liam", "Sofia", "Noah", "Mei", "Emma", "Mateo", "Fatima"}
	family := []string{"Smith", "Garcia", "Nguyen", "Johnson", "O'Brien", "Kim", "Patel", "Brown", "Lee", "Okafor"}
	nextUser, nextMember := 1000, 50000
	user := func(kind string, n int) User {
		nextUser++
		g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
		local := strings.ToLower(strings.ReplaceAll(fmt.Sprintf("%s.%s%d", g, f, nextUser), "'", ""))
		u := User{ID: fmt.Sprintf("_%d_1", nextUser), UUID: fmt.Sprintf("u%031d", nextUser), ExternalID: fmt.Sprintf("SIS-U%d", nextUser),
			UserName: local, DataSourceID: "_2_1", Given: g, Family: f, Email: local + "@district.example.org", Available: Yes}
		if kind == "student" {
			u.StudentID = fmt.Sprintf("S%07d", nextUser)
			if n%7 == 3 {
				u.Email = "" // Learn has no contact.email for them
			}
			if n%40 == 17 {
				u.Available = No
			}
		}
		return u
	}
	member := func(course, userID, role string) {
		nextMember++
		avail := Yes
		if r := rng.IntN(100); r < 2 {
			avail = No
		} else if r < 3 {
			avail = Disabled
		}
		d.Memberships = append(d.Memberships, Membership{ID: fmt.Sprintf("_%d_1", nextMember), CourseID: course, UserID: userID,
			DataSourceID: "_2_1", Available: avail, CourseRoleID: role})
	}
	for i := 0; i < courses; i += 4 {
		t := user("teacher", i)
		d.Users = append(d.Users, t)
		for c := i; c < min(i+4, courses); c++ {
			member(d.Courses[c].ID, t.ID, RoleInstructor)
		}
	}
	for i := 0; i < courses; i++ {
		if i%6 == 0 {
			ta := user("ta", i)
			d.Users = append(d.Users, ta)
			member(d.Courses[i].ID, ta.ID, RoleTeachingAssistant)
		}
		if i%8 == 0 {
			g, co := user("grader", i), user("coteacher", i)
			d.Users = append(d.Users, g, co)
			member(d.Courses[i].ID, g.ID, RoleGrader)
			member(d.Courses[i].ID, co.ID, CustomCoTeacher)
		}
		guest := user("guest", i)
		guest.Email = fmt.Sprintf("guest%d@visitors.example.org", i)
		d.Users = append(d.Users, guest)
		member(d.Courses[i].ID, guest.ID, RoleGuest)
	}
	for n := range students {
		s := user("student", n)
		d.Users = append(d.Users, s)
		first := rng.IntN(courses)
		for k := range min(4, courses) {
			member(d.Courses[(first+k*7)%courses].ID, s.ID, RoleStudent)
		}
		if n%25 == 0 {
			member(club.ID, s.ID, RoleStudent)
		}
	}
	return d
}

// DefaultRoles maps Learn's built-in course roles as a sync does by
// default: Instructor, BbFacilitator and TeachingAssistant teach, Student
// studies; the rest (Guest, Grader, CourseBuilder, custom roles) are not
// members.
var DefaultRoles = map[string]string{
	RoleInstructor: "teacher", RoleFacilitator: "teacher", RoleTeachingAssistant: "teacher", RoleStudent: "student",
}

// ActiveMembers is who a sync of every course of the district (not
// organizations, not unavailable courses) should make members, by email
// in lower case: available memberships of available users in roles that
// map, people with an email only; a teacher anywhere is a teacher.
func (d *District) ActiveMembers() map[string]string {
	users := map[string]*User{}
	for i := range d.Users {
		users[d.Users[i].ID] = &d.Users[i]
	}
	courses := map[string]*Course{}
	for i := range d.Courses {
		courses[d.Courses[i].ID] = &d.Courses[i]
	}
	out := map[string]string{}
	for _, m := range d.Memberships {
		c, u := courses[m.CourseID], users[m.UserID]
		role, ok := DefaultRoles[m.CourseRoleID]
		if !ok || m.Available != Yes || u == nil || u.Available != Yes || u.Email == "" || c == nil || c.Organization || !d.courseAvailable(c) {
			continue
		}
		email := strings.ToLower(u.Email)
		if out[email] != "teacher" {
			out[email] = role
		}
	}
	return out
}

// courseAvailable says whether a course is open: Yes, or Term with its
// term available.
func (d *District) courseAvailable(c *Course) bool {
	switch c.Available {
	case Yes:
		return true
	case ByTerm:
		for _, t := range d.Terms {
			if t.ID == c.TermID {
				return t.Available == "" || t.Available == Yes
			}
		}
	}
	return false
}
