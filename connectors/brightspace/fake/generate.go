package fake

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Role ids Generate gives its tenant. They are this tenant's, as every
// Brightspace tenant numbers its roles itself.
const (
	RoleLearner    = 578
	RoleInstructor = 579
	RoleTA         = 580
	RoleCoTeacher  = 581 // a custom role: not a member unless configured
	RoleParent     = 582
	RoleGuest      = 583
	RoleAdmin      = 150
)

// Org units Generate makes.
const (
	RootOrgUnit = 6606 // the organization
	AdminUser   = 169  // the service user whose refresh token the connector holds
)

// DemoRoles maps Generate's role ids as a district would configure them.
var DemoRoles = map[string]string{
	strconv.Itoa(RoleLearner): "student", strconv.Itoa(RoleInstructor): "teacher", strconv.Itoa(RoleTA): "teacher",
}

// Generate builds a tenant of about students students in courses course
// offerings, the same for the same arguments: the organization (6606),
// two schools (a tenant type, 203) holding the offerings (ids from 10001),
// two sections per offering (ids from 20001) whose enrollments repeat the
// offering's; an Instructor per four offerings, a Teaching Assistant in
// every sixth, a Co-Teacher (custom role) in every eighth, a Parent and a
// Guest in every offering; each student in four offerings and one of
// their sections; one student in seven with no email (EmailAddress null);
// one in forty inactive; the service user (169) an Administrator of the
// organization.
func Generate(seed int64, students, courses int) *District {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xd21))
	courses = max(courses, 1)
	d := &District{
		Roles: []Role{{RoleLearner, "learner", "Learner"}, {RoleInstructor, "instructor", "Instructor"}, {RoleTA, "ta", "Teaching Assistant"},
			{RoleCoTeacher, "", "Co-Teacher"}, {RoleParent, "parent", "Parent"}, {RoleGuest, "", "Guest"}, {RoleAdmin, "admin", "Administrator"}},
		OrgUnits: []OrgUnit{{ID: RootOrgUnit, Name: "Demo District", Code: "DD", Type: TypeOrganization},
			{ID: 7001, Name: "Lincoln High", Code: "LHS", Type: TypeDepartment, Parents: []int{RootOrgUnit}},
			{ID: 7002, Name: "O'Keeffe Middle", Code: "OMS", Type: TypeDepartment, Parents: []int{RootOrgUnit}}},
		Users:       []User{{ID: AdminUser, FirstName: "Integration", LastName: "Service", UserName: "svc.rollcall", Email: "svc.rollcall@district.example.org", Active: true}},
		Enrollments: []Enrollment{{OrgUnitID: RootOrgUnit, UserID: AdminUser, RoleID: RoleAdmin}},
	}
	subjects := []string{"Algebra", "Biology", "World History", "English", "Chemistry", "Art", "Spanish", "Physics", "Music", "Geometry"}
	offering := func(i int) int { return 10001 + i }
	for i := range courses {
		name := fmt.Sprintf("%s %d", subjects[i%len(subjects)], 1+i/len(subjects))
		code := fmt.Sprintf("%s-%03d", strings.ToUpper(subjects[i%len(subjects)][:3]), i+1)
		d.OrgUnits = append(d.OrgUnits, OrgUnit{ID: offering(i), Name: name, Code: code, Type: TypeCourseOffering, Parents: []int{7001 + i%2}})
		for k := range 2 {
			d.OrgUnits = append(d.OrgUnits, OrgUnit{ID: 20001 + 2*i + k, Name: fmt.Sprintf("%s section %c", name, 'A'+k),
				Code: fmt.Sprintf("%s-%c", code, 'A'+k), Type: TypeSection, Parents: []int{offering(i)}})
		}
	}
	given := []string{"Thomas", "Maria", "James", "Aisha", "Olivia", "Liam", "Sofia", "Noah", "Mei", "Emma", "Mateo", "Fatima"}
	family := []string{"Smith", "Garcia", "Nguyen", "Johnson", "O'Brien", "Kim", "Patel", "Brown", "Lee", "Okafor"}
	next := 1000
	user := func(kind string, n int) User {
		next++
		g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
		local := strings.ToLower(strings.ReplaceAll(fmt.Sprintf("%s.%s%d", g, f, next), "'", ""))
		u := User{ID: next, FirstName: g, LastName: f, UserName: local, OrgDefinedID: fmt.Sprintf("D%06d", next),
			Email: local + "@district.example.org", Active: true}
		switch {
		case kind == "student" && n%7 == 3:
			u.Email = ""
		case kind == "student" && n%40 == 17:
			u.Active = false
		case kind == "parent":
			u.Email, u.OrgDefinedID = fmt.Sprintf("parent%d@home.example.org", next), ""
		}
		return u
	}
	enroll := func(ou, uid, role int) {
		d.Enrollments = append(d.Enrollments, Enrollment{OrgUnitID: ou, UserID: uid, RoleID: role})
	}
	for i := 0; i < courses; i += 4 {
		t := user("teacher", i)
		d.Users = append(d.Users, t)
		for c := i; c < min(i+4, courses); c++ {
			enroll(offering(c), t.ID, RoleInstructor)
		}
	}
	for i := range courses {
		if i%6 == 0 {
			ta := user("ta", i)
			d.Users = append(d.Users, ta)
			enroll(offering(i), ta.ID, RoleTA)
		}
		if i%8 == 0 {
			co := user("coteacher", i)
			d.Users = append(d.Users, co)
			enroll(offering(i), co.ID, RoleCoTeacher)
		}
		p, g := user("parent", i), user("guest", i)
		d.Users = append(d.Users, p, g)
		enroll(offering(i), p.ID, RoleParent)
		enroll(offering(i), g.ID, RoleGuest)
	}
	for n := range students {
		s := user("student", n)
		d.Users = append(d.Users, s)
		first := rng.IntN(courses)
		for k := range min(4, courses) {
			c := (first + k*7) % courses
			enroll(offering(c), s.ID, RoleLearner)
			enroll(20001+2*c+n%2, s.ID, RoleLearner)
		}
	}
	return d
}

// ActiveMembers is who a sync of every course offering should make
// members, by email in lower case: active users with an email in a role
// roles maps (role id → student, teacher or other); a teacher anywhere is
// a teacher.
func (d *District) ActiveMembers(roles map[string]string) map[string]string {
	users := map[int]*User{}
	for i := range d.Users {
		users[d.Users[i].ID] = &d.Users[i]
	}
	offerings := map[int]bool{}
	for _, ou := range d.OrgUnits {
		offerings[ou.ID] = ou.Type == TypeCourseOffering
	}
	out := map[string]string{}
	for _, e := range d.Enrollments {
		u := users[e.UserID]
		role, ok := roles[strconv.Itoa(e.RoleID)]
		if !offerings[e.OrgUnitID] || !ok || u == nil || !u.Active || u.Email == "" {
			continue
		}
		email := strings.ToLower(u.Email)
		if out[email] != "teacher" {
			out[email] = role
		}
	}
	return out
}
