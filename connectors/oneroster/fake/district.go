package fake

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/license"
)

// Record statuses.
const (
	StatusActive      = "active"
	StatusToBeDeleted = "tobedeleted"
)

// User is one OneRoster user.
type User struct {
	SourcedID  string
	Status     string
	Modified   time.Time
	Enabled    bool
	Role       string // the user's primary role (1.1 role, 1.2 roles[0])
	Username   string
	Email      string
	GivenName  string
	FamilyName string
	Orgs       []string // org sourcedIds
	// OrgRoles are roles beyond Role: a second role at one of Orgs, or
	// a role at another org. Only 1.2 can say them (roles.csv, or
	// roles[] with roleType secondary); 1.1 has one role per user.
	OrgRoles []OrgRole
}

// OrgRole is a user's role at one org, until EndDate (YYYY-MM-DD) when
// set: staff who left keep their row with an endDate past.
type OrgRole struct {
	Org     string
	Role    string
	EndDate string
}

// Org is a district or a school.
type Org struct {
	SourcedID string
	Status    string
	Modified  time.Time
	Name      string
	Type      string // district, school
	Parent    string
}

// Class is one class of a school.
type Class struct {
	SourcedID string
	Status    string
	Modified  time.Time
	Title     string
	School    string
}

// Enrollment places a user in a class with a role.
type Enrollment struct {
	SourcedID string
	Status    string
	Modified  time.Time
	User      string
	Class     string
	School    string
	Role      string
	EndDate   string // YYYY-MM-DD or empty
}

// District is the roster a fake serves. Records are kept sorted by
// sourcedId, the order collections are served in.
type District struct {
	Orgs        []Org
	Classes     []Class
	Users       []User
	Enrollments []Enrollment
}

// Base is the dateLastModified of generated records.
var Base = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// TeacherRoles are the enrollment roles a roster teacher's Variant picks
// among; a selection must map administrator to teacher to see them all
// as teachers (it maps to other by default).
var TeacherRoles = []string{"teacher", "aide", "administrator"}

// UserID is the sourcedId the fake gives a roster person.
func UserID(rosterID string) string { return "usr-" + rosterID }

// ClassID is the sourcedId the fake gives a roster unit.
func ClassID(unitID string) string { return "cls-" + unitID }

// FromRoster builds a district serving r: each unit is a class, spread
// over schools; each person a user with enrollments. The roster's
// statuses become OneRoster's: deleted people are users tobedeleted,
// suspended ones enabledUser false, inactive ones keep their user but
// every enrollment is tobedeleted or ended (endDate 2020-06-30).
// Some users have no email but an email username, the fallback the
// connector reads. Guardians are added (users gdn-…, role guardian or
// parent, enrolled in their child's class as some SIS exports do): a
// connector must leave them out by default.
func FromRoster(r connectortest.Roster) *District {
	d := &District{}
	nSchools := min(len(r.Units), max(2, len(r.Units)/50))
	nSchools = max(nSchools, 1)
	d.Orgs = append(d.Orgs, Org{SourcedID: "dst-1", Status: StatusActive, Modified: Base, Name: "Fake Unified School District", Type: "district"})
	schools := make([]string, nSchools)
	for i := range schools {
		schools[i] = fmt.Sprintf("sch-%03d", i+1)
		d.Orgs = append(d.Orgs, Org{SourcedID: schools[i], Status: StatusActive, Modified: Base,
			Name: fmt.Sprintf("School %d", i+1), Type: "school", Parent: "dst-1"})
	}
	schoolOf := map[string]string{}
	for i, u := range r.Units {
		s := schools[i%nSchools]
		schoolOf[u.ID] = s
		d.Classes = append(d.Classes, Class{SourcedID: ClassID(u.ID), Status: StatusActive, Modified: Base, Title: u.Name, School: s})
	}
	enr := 0
	addEnrollment := func(user, unit, role, status, end string) {
		enr++
		d.Enrollments = append(d.Enrollments, Enrollment{SourcedID: fmt.Sprintf("enr-%08d", enr), Status: status, Modified: Base,
			User: user, Class: ClassID(unit), School: schoolOf[unit], Role: role, EndDate: end})
	}
	for i := range r.People {
		p := &r.People[i]
		u := User{SourcedID: UserID(p.ID), Status: StatusActive, Modified: Base, Enabled: true, Role: "student",
			GivenName: p.Given, FamilyName: p.Family, Email: p.Email}
		local, _, _ := strings.Cut(p.Email, "@")
		u.Username = strings.ToLower(local)
		if u.Username == "" {
			u.Username = "user" + p.ID
		}
		if p.Email != "" && i%6 == 1 {
			u.Email, u.Username = "", p.Email // only the username holds the address
		}
		for _, m := range p.Units {
			if m.Role == license.RoleTeacher {
				u.Role = "teacher"
			}
		}
		switch p.Status {
		case connectortest.StatusDeleted:
			u.Status = StatusToBeDeleted
		case connectortest.StatusSuspended:
			u.Enabled = false
		}
		seenSchool := map[string]bool{}
		for _, m := range p.Units {
			if s := schoolOf[m.Unit]; !seenSchool[s] {
				seenSchool[s] = true
				u.Orgs = append(u.Orgs, s)
			}
			role := "student"
			if m.Role == license.RoleTeacher {
				role = TeacherRoles[m.Variant%len(TeacherRoles)]
			}
			status, end := StatusActive, ""
			if p.Status == connectortest.StatusInactive {
				if i%2 == 0 {
					status = StatusToBeDeleted
				} else {
					end = "2020-06-30"
				}
			}
			addEnrollment(u.SourcedID, m.Unit, role, status, end)
		}
		d.Users = append(d.Users, u)
		if i%9 == 4 && p.Status == connectortest.StatusActive && len(p.Units) > 0 && p.Units[0].Role == license.RoleStudent {
			role := "guardian"
			if i%2 == 1 {
				role = "parent"
			}
			g := User{SourcedID: "gdn-" + p.ID, Status: StatusActive, Modified: Base, Enabled: true, Role: role,
				Username: "guardian" + p.ID, Email: "guardian." + p.ID + "@family.example.net",
				GivenName: "Guardian", FamilyName: p.Family, Orgs: u.Orgs[:1]}
			d.Users = append(d.Users, g)
			addEnrollment(g.SourcedID, p.Units[0].Unit, role, StatusActive, "")
		}
	}
	d.sort()
	return d
}

// Generate is FromRoster of connectortest.GenerateRoster(seed, people, units).
func Generate(seed int64, people, units int) *District {
	return FromRoster(connectortest.GenerateRoster(seed, people, units))
}

func (d *District) sort() {
	sort.Slice(d.Orgs, func(i, j int) bool { return d.Orgs[i].SourcedID < d.Orgs[j].SourcedID })
	sort.Slice(d.Classes, func(i, j int) bool { return d.Classes[i].SourcedID < d.Classes[j].SourcedID })
	sort.Slice(d.Users, func(i, j int) bool { return d.Users[i].SourcedID < d.Users[j].SourcedID })
	sort.Slice(d.Enrollments, func(i, j int) bool { return d.Enrollments[i].SourcedID < d.Enrollments[j].SourcedID })
}

// Schools lists the school sourcedIds.
func (d *District) Schools() []string {
	var out []string
	for _, o := range d.Orgs {
		if o.Type == "school" {
			out = append(out, o.SourcedID)
		}
	}
	return out
}

func (d *District) user(id string) *User {
	i := sort.Search(len(d.Users), func(i int) bool { return d.Users[i].SourcedID >= id })
	if i < len(d.Users) && d.Users[i].SourcedID == id {
		return &d.Users[i]
	}
	return nil
}

func (d *District) org(id string) *Org {
	for i := range d.Orgs {
		if d.Orgs[i].SourcedID == id {
			return &d.Orgs[i]
		}
	}
	return nil
}

func (d *District) class(id string) *Class {
	i := sort.Search(len(d.Classes), func(i int) bool { return d.Classes[i].SourcedID >= id })
	if i < len(d.Classes) && d.Classes[i].SourcedID == id {
		return &d.Classes[i]
	}
	return nil
}

// Clone is a deep copy, for a bundle written while the server runs.
func (d *District) Clone() *District {
	c := &District{
		Orgs:        append([]Org(nil), d.Orgs...),
		Classes:     append([]Class(nil), d.Classes...),
		Users:       append([]User(nil), d.Users...),
		Enrollments: append([]Enrollment(nil), d.Enrollments...),
	}
	for i := range c.Users {
		c.Users[i].Orgs = append([]string(nil), c.Users[i].Orgs...)
		c.Users[i].OrgRoles = append([]OrgRole(nil), c.Users[i].OrgRoles...)
	}
	return c
}
