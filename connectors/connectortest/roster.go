package connectortest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

// Status is a person's standing at the source, vendor-neutral: each fake
// maps it to its own notion (an enrollment state, a suspended or archived
// account, a tobedeleted record, a missing one).
type Status string

// Statuses. Only active people may be returned by a connector.
const (
	StatusActive    Status = "active"
	StatusInactive  Status = "inactive"
	StatusDeleted   Status = "deleted"
	StatusSuspended Status = "suspended"
)

// Unit is a course, section, class or org unit of the roster.
type Unit struct {
	ID   string // numeric, so vendors with integer ids can use it as is
	Name string
}

// Membership places a person in a unit with a role. Variant picks among the
// vendor's role names that map to Role (TeacherEnrollment, TaEnrollment,
// DesignerEnrollment are variants 0, 1, 2 of a Canvas teacher): a fake uses
// Variant modulo the number of names it has.
type Membership struct {
	Unit    string // Unit.ID
	Role    license.Role
	Variant int
}

// Person is one person of the roster.
type Person struct {
	ID     string // numeric and unique; fakes serve it as the vendor's id, or map it (Instance.ExternalID)
	Email  string // unique ignoring case; empty for some, mixed case for some
	Given  string
	Family string
	Status Status
	Units  []Membership // distinct units
}

// Name is the display name a connector reports: "Given Family".
func (p *Person) Name() string { return p.Given + " " + p.Family }

// Roster is a vendor-neutral district a harness serves from its fake.
type Roster struct {
	Seed   int64
	Units  []Unit
	People []Person
}

// Expect is what a Fetch must say about one person: the strongest role of
// their memberships, the email exactly as the roster has it, the name.
type Expect struct {
	Email string
	Name  string
	Role  license.Role
}

// Expected is who a Fetch of the whole roster must return, by roster id:
// active people with at least one membership.
func (r *Roster) Expected() map[string]Expect {
	out := map[string]Expect{}
	for i := range r.People {
		p := &r.People[i]
		if p.Status != StatusActive || len(p.Units) == 0 {
			continue
		}
		role := license.RoleStudent
		for _, m := range p.Units {
			if m.Role == license.RoleTeacher {
				role = license.RoleTeacher
			}
		}
		out[p.ID] = Expect{Email: p.Email, Name: p.Name(), Role: role}
	}
	return out
}

// Person returns the person with roster id id, or nil.
func (r *Roster) Person(id string) *Person {
	for i := range r.People {
		if r.People[i].ID == id {
			return &r.People[i]
		}
	}
	return nil
}

// Members lists, for unit id, the people in it and their membership.
func (r *Roster) Members(unit string) []MemberOf {
	var out []MemberOf
	for i := range r.People {
		for _, m := range r.People[i].Units {
			if m.Unit == unit {
				out = append(out, MemberOf{Person: &r.People[i], Membership: m})
			}
		}
	}
	return out
}

// MemberOf is one membership with its person.
type MemberOf struct {
	Person *Person
	Membership
}

// OneUnitEach returns a copy in which everyone keeps only their first
// membership, for vendors that place a person in exactly one unit.
func (r Roster) OneUnitEach() Roster {
	out := r
	out.People = make([]Person, len(r.People))
	for i, p := range r.People {
		if len(p.Units) > 1 {
			p.Units = p.Units[:1:1]
		}
		out.People[i] = p
	}
	return out
}

// WithEmails returns a copy in which everyone without an email gets one,
// for vendors that cannot hold a person without.
func (r Roster) WithEmails() Roster {
	out := r
	out.People = make([]Person, len(r.People))
	for i, p := range r.People {
		if p.Email == "" {
			p.Email = "no-email-" + p.ID + "@district.example.org"
		}
		out.People[i] = p
	}
	return out
}

var (
	givenNames  = []string{"Thomas", "Maria", "James", "Aisha", "Olivia", "Liam", "Sofia", "Noah", "Mei", "Emma", "Mateo", "Fatima", "Lucas", "Priya", "Omar", "Chloe"}
	familyNames = []string{"Smith", "Garcia", "Nguyen", "O'Brien", "Kim", "Patel", "Müller", "Okafor", "Rossi", "Cohen", "Silva", "Hernández", "Chen", "Lee"}
)

// GenerateRoster builds a roster of people in units, the same for the same
// arguments. Whatever the seed, once people ≥ 50: every status occurs;
// about one in ten is staff, teaching one or two units (a third of them
// also a student elsewhere); a few students also teach a unit (teacher in
// one, student in another); everyone active is in at least one unit; some
// active people have no email and some have mixed-case emails.
func GenerateRoster(seed int64, people, units int) Roster {
	units = max(units, 1)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x726f7374))
	r := Roster{Seed: seed, Units: make([]Unit, units), People: make([]Person, max(people, 0))}
	for u := range r.Units {
		r.Units[u] = Unit{ID: strconv.Itoa(5001 + u), Name: fmt.Sprintf("Unit %d", u+1)}
	}
	pick := func(p *Person, role license.Role, variant int) {
		if len(p.Units) >= units {
			return
		}
		for {
			id := r.Units[rng.IntN(units)].ID
			dup := false
			for _, m := range p.Units {
				dup = dup || m.Unit == id
			}
			if !dup {
				p.Units = append(p.Units, Membership{Unit: id, Role: role, Variant: variant})
				return
			}
		}
	}
	for i := range r.People {
		p := &r.People[i]
		p.ID = strconv.Itoa(100001 + i)
		p.Given = givenNames[rng.IntN(len(givenNames))]
		p.Family = familyNames[rng.IntN(len(familyNames))]
		local := fmt.Sprintf("%s.%s%d", emailPart(p.Given), emailPart(p.Family), i)
		switch {
		case i%25 == 13:
			// No email at all: skipped by the planner with a reason.
		case i%7 == 2:
			p.Email = strings.ToUpper(local[:1]) + local[1:] + "@District.Example.ORG"
		default:
			p.Email = local + "@district.example.org"
		}
		switch i % 20 {
		case 3:
			p.Status = StatusInactive
		case 7:
			p.Status = StatusDeleted
		case 11:
			p.Status = StatusSuspended
		default:
			p.Status = StatusActive
		}
		switch {
		case i%10 == 0: // staff
			pick(p, license.RoleTeacher, rng.IntN(3))
			if rng.IntN(2) == 0 {
				pick(p, license.RoleTeacher, rng.IntN(3))
			}
			if i%30 == 0 {
				pick(p, license.RoleStudent, 0)
			}
		default:
			for range 1 + rng.IntN(3) {
				pick(p, license.RoleStudent, 0)
			}
			if i%25 == 9 { // a student who also teaches a unit
				pick(p, license.RoleTeacher, rng.IntN(3))
			}
		}
	}
	return r
}

// emailPart keeps the ASCII letters of s, lower-cased.
func emailPart(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c)
		case c == 'ü':
			b.WriteByte('u')
		case c == 'á':
			b.WriteByte('a')
		}
	}
	return b.String()
}
