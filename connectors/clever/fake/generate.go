package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var (
	givenNames  = []string{"Ava", "Mateo", "Zoe", "Jamal", "Lena", "Hiro", "Nora", "Diego", "Ivy", "Samir", "Ruth", "Kofi", "Elena", "Tariq"}
	familyNames = []string{"Baker", "Moreno", "Quinn", "Adeyemi", "Fischer", "Tanaka", "Ortiz", "Walsh", "Novak", "Haddad", "Price", "Mensah"}
	subjects    = []string{"math", "science", "english/language arts", "social studies", "arts and music", "homeroom/advisory"}
)

// Generate builds a district of about people across schools, the same for
// the same seed, with Clever's traps: about one student in six has no
// email; every tenth teacher is also staff (and the first teacher also a
// district admin), so they are repeated in role-filtered lists; one
// student in four has a contact (a guardian with an email), never in a
// section; some emails are mixed case; sections have one to three
// teachers, the primary first.
func Generate(seed int64, people, schools int) *District {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x636c6576))
	schools = max(schools, 1)
	d := &District{ID: ObjectID(KindDistrict, 1), Name: "Sample Unified School District"}
	for i := range schools {
		d.Schools = append(d.Schools, School{ID: ObjectID(KindSchool, i+1), Name: fmt.Sprintf("%s School %d", familyNames[i%len(familyNames)], i+1)})
	}
	n := 0
	newUser := func() User {
		n++
		g, f := givenNames[rng.IntN(len(givenNames))], familyNames[rng.IntN(len(familyNames))]
		u := User{ID: ObjectID(KindUser, n), First: g, Last: f}
		if rng.IntN(5) == 0 {
			u.Middle = string(rune('A' + rng.IntN(26)))
		}
		return u
	}
	email := func(u *User, domain string) string {
		local := fmt.Sprintf("%s.%s%d", strings.ToLower(u.First), strings.ToLower(u.Last), n)
		if rng.IntN(9) == 0 {
			return strings.ToUpper(local[:1]) + local[1:] + "@" + strings.ToUpper(domain[:1]) + domain[1:]
		}
		return local + "@" + domain
	}
	teachers := max(people/12, schools)
	teacherIDs := make([][]string, schools)
	for i := range teachers {
		u := newUser()
		school := d.Schools[i%schools].ID
		u.Email = email(&u, "district.example.org")
		u.Teacher = &Role{Schools: []string{school}, SisID: fmt.Sprintf("T%05d", n)}
		if i%10 == 3 {
			u.Staff = &Role{Schools: []string{school}}
		}
		if i == 0 {
			u.DistrictAdmin = &Role{}
		}
		teacherIDs[i%schools] = append(teacherIDs[i%schools], u.ID)
		d.Users = append(d.Users, u)
	}
	// Sections: about 25 students each, per school.
	students := max(people-teachers, 0)
	perSchool := max(students/schools, 1)
	sections := make([][]int, schools) // section indexes per school
	for si := range schools {
		count := max(perSchool/25, 1)
		for range count {
			ts := teacherIDs[si]
			k := 1 + rng.IntN(3)
			var secTeachers []string
			for j := range min(k, len(ts)) {
				secTeachers = append(secTeachers, ts[(len(d.Sections)+j)%len(ts)])
			}
			sections[si] = append(sections[si], len(d.Sections))
			d.Sections = append(d.Sections, Section{ID: ObjectID(KindSection, len(d.Sections)+1), School: d.Schools[si].ID,
				Name: fmt.Sprintf("%s - Period %d", subjects[len(d.Sections)%len(subjects)], 1+len(d.Sections)%7), Subject: subjects[len(d.Sections)%len(subjects)],
				Teachers: secTeachers})
		}
	}
	for i := range students {
		u := newUser()
		si := i % schools
		if rng.IntN(6) != 0 {
			u.Email = email(&u, "students.district.example.org")
		}
		u.Student = &Role{Schools: []string{d.Schools[si].ID}, SisID: fmt.Sprintf("S%06d", n)}
		for range 1 + rng.IntN(3) {
			sec := &d.Sections[sections[si][rng.IntN(len(sections[si]))]]
			if len(sec.Students) == 0 || sec.Students[len(sec.Students)-1] != u.ID {
				sec.Students = append(sec.Students, u.ID)
			}
		}
		d.Users = append(d.Users, u)
		if i%4 == 1 {
			c := newUser()
			c.Email = email(&c, "home.example.org")
			c.Contact = &ContactRole{Students: []string{u.ID}, Relationship: "Parent"}
			d.Users = append(d.Users, c)
		}
	}
	return d
}
