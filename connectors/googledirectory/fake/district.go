package fake

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// User is one Directory user as the fake stores it.
type User struct {
	ID           string // Google's numeric user id, 21 digits
	PrimaryEmail string // as stored; Google never omits it
	GivenName    string
	FamilyName   string
	OrgUnitPath  string
	Suspended    bool
	Archived     bool
	IsAdmin      bool // super admin
	// IsDelegatedAdmin is derived from role assignments when served.
}

// FullName is the read-only name.fullName Google derives.
func (u *User) FullName() string {
	switch {
	case u.GivenName == "":
		return u.FamilyName
	case u.FamilyName == "":
		return u.GivenName
	}
	return u.GivenName + " " + u.FamilyName
}

// OrgUnit is one organizational unit. The root "/" is one too.
type OrgUnit struct {
	ID         string // "id:..." as orgunits.list answers
	Path       string
	Name       string
	ParentID   string
	ParentPath string
}

// Privilege is one entry of a role's rolePrivileges.
type Privilege struct {
	ServiceID string
	Name      string
}

// Role is an admin role.
type Role struct {
	ID          int64
	Name        string
	Description string
	System      bool
	SuperAdmin  bool
	Privileges  []Privilege
}

// Assignment gives a role to a user, over the customer or one org unit.
type Assignment struct {
	ID        int64
	RoleID    int64
	UserID    string
	ScopeType string // "CUSTOMER" or "ORG_UNIT"
	OrgUnitID string // without the "id:" prefix, as Google answers; set for ORG_UNIT
}

// School is one generated school.
type School struct {
	Name   string
	Grades []string // OU names under /Students/<School>
}

// DelegatedAdmin is a generated delegated admin and the org units its
// user-reading role covers (empty for a role without that privilege).
type DelegatedAdmin struct {
	Email    string
	OrgUnits []string
	CanRead  bool
	RoleName string
}

// District is a generated school district: the directory the fake serves.
type District struct {
	Seed       int64
	Domain     string
	CustomerID string
	Schools    []School
	OrgUnits   []OrgUnit // sorted by path; [0] is the root "/"
	Users      []User    // sorted by ID
	Roles      []Role
	Assigns    []Assignment

	SuperAdmin      string           // a super admin's email
	DelegatedAdmins []DelegatedAdmin // delegated admins with various scopes
	NonAdmin        string           // a teacher with no admin role

	nextID uint64
}

// Privilege names and service ids the generated roles use.
const (
	// ServiceAdminDirectory is the serviceId the generated roles give
	// user privileges under (an obfuscated id, as Google's are).
	ServiceAdminDirectory = "00haapch16h1ysv"
	PrivUsersRetrieve     = "USERS_RETRIEVE"
	PrivUsersAll          = "USERS_ALL"
	PrivGroupsAll         = "GROUPS_ALL"
	PrivSuperAdmin        = "SUPER_ADMIN"
)

var (
	givenNames = []string{
		"Thomas", "Maria", "James", "Aisha", "Thomas", "Olivia", "Liam", "Sofia",
		"Noah", "Mei", "Thomas", "Emma", "Mateo", "Fatima", "Lucas", "Ava",
		"Ethan", "Priya", "Isabella", "Omar", "Chloe", "Daniel", "Zoe", "Hiro",
	}
	familyNames = []string{
		"Smith", "Garcia", "Nguyen", "Johnson", "O'Brien", "Kim", "Patel", "Brown",
		"Martinez", "Lee", "Anderson", "Okafor", "Rossi", "Cohen", "Silva", "Walker",
		"Müller", "Hernández", "Chen", "Davis", "Wilson", "Lopez", "Taylor", "Moore",
	}
	schoolNames = []string{
		"Lincoln", "O'Keeffe", "Roosevelt", "Jefferson", "Hamilton", "Franklin",
		"Madison", "Kennedy", "Adams", "Carver", "Tubman", "Curie", "Dewey", "Keller",
		"Banneker", "Chavez", "Earhart", "Douglass", "Edison", "Whitman",
	}
	elementaryGrades = []string{"Kindergarten", "Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5"}
	middleGrades     = []string{"Grade 6", "Grade 7", "Grade 8"}
	highGrades       = []string{"Grade 9", "Grade 10", "Grade 11", "Grade 12"}
)

// Generate builds a district of about people users (plus a handful of
// admins), the same for the same seed and size: schools with grade OUs
// (/Students/<School>/Grade 9, and a few students not yet placed in a grade
// directly in /Students/<School>), staff OUs (/Staff/<School>, /Staff/District
// Office), about 87 % students, 9 % teachers and 4 % other staff, about
// 2 % suspended and 1 % archived, many people sharing a first name (several
// Thomases and Thomas Smiths), a super admin, delegated admins scoped to
// particular OUs and one whose role cannot read users.
func Generate(seed int64, people int) *District {
	people = max(people, 0)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	d := &District{
		Seed:       seed,
		Domain:     "district.example.org",
		CustomerID: fmt.Sprintf("C0%07x", rng.Uint32()&0xfffffff),
		nextID:     rng.Uint64() >> 8,
	}
	nSchools := min(max(3, people/1500), 240)
	ous := newOUBuilder(rng)
	ous.add("/")
	ous.add("/Students")
	ous.add("/Staff")
	ous.add("/Staff/District Office")
	for i := range nSchools {
		base := schoolNames[i%len(schoolNames)]
		var level string
		var grades []string
		switch i % 3 {
		case 0:
			level, grades = "Elementary", elementaryGrades
		case 1:
			level, grades = "Middle", middleGrades
		default:
			level, grades = "High", highGrades
		}
		name := base + " " + level
		if n := i / len(schoolNames); n > 0 {
			name = fmt.Sprintf("%s %d", name, n+1)
		}
		d.Schools = append(d.Schools, School{Name: name, Grades: grades})
		ous.add("/Students/" + name)
		for _, g := range grades {
			ous.add("/Students/" + name + "/" + g)
		}
		ous.add("/Staff/" + name)
	}
	d.OrgUnits = ous.list()

	emails := map[string]int{}
	mk := func(ou string) User {
		g := givenNames[rng.IntN(len(givenNames))]
		f := familyNames[rng.IntN(len(familyNames))]
		u := User{ID: d.newID(), GivenName: g, FamilyName: f, OrgUnitPath: ou}
		u.PrimaryEmail = uniqueEmail(emails, g, f, d.Domain)
		switch r := rng.IntN(100); {
		case r < 2:
			u.Suspended = true
		case r < 3:
			u.Archived = true
		}
		return u
	}
	d.Users = make([]User, 0, people+8)
	for i := range people {
		s := d.Schools[rng.IntN(len(d.Schools))]
		var ou string
		switch r := i % 100; {
		case r < 1:
			// Newly enrolled, not yet placed in a grade.
			ou = "/Students/" + s.Name
		case r < 87:
			ou = "/Students/" + s.Name + "/" + s.Grades[rng.IntN(len(s.Grades))]
		case r < 96:
			ou = "/Staff/" + s.Name
		default:
			ou = "/Staff/District Office"
		}
		d.Users = append(d.Users, mk(ou))
	}

	// Admins: never suspended, always in the district office or a school.
	admin := func(local, g, f, ou string) *User {
		d.Users = append(d.Users, User{ID: d.newID(), PrimaryEmail: local + "@" + d.Domain,
			GivenName: g, FamilyName: f, OrgUnitPath: ou})
		return &d.Users[len(d.Users)-1]
	}
	super := admin("it.director", "Thomas", "Reyes", "/Staff/District Office")
	super.IsAdmin = true
	d.SuperAdmin = super.PrimaryEmail
	elem, high := d.Schools[0], d.Schools[2]
	elemAdmin := admin("elementary.admin", "Alice", "Park", "/Staff/"+elem.Name)
	staffAdmin := admin("staff.admin", "Ben", "Ortiz", "/Staff/District Office")
	helpdesk := admin("helpdesk", "Carla", "Singh", "/Staff/District Office")
	groups := admin("groups.admin", "Dev", "Moreau", "/Staff/District Office")
	teacher := admin("t.thomas", "Thomas", "Thomas", "/Staff/"+high.Name)
	d.NonAdmin = teacher.PrimaryEmail

	d.Roles = []Role{
		{ID: d.roleID(1), Name: "_SEED_ADMIN_ROLE", Description: "Super Admin", System: true, SuperAdmin: true,
			Privileges: []Privilege{{"01ci93xb3tmzyin", PrivSuperAdmin}}},
		{ID: d.roleID(2), Name: "_HELP_DESK_ADMIN_ROLE", Description: "Help Desk Admin", System: true,
			Privileges: []Privilege{{ServiceAdminDirectory, PrivUsersRetrieve}, {ServiceAdminDirectory, "USERS_RESET_PASSWORD"}}},
		{ID: d.roleID(3), Name: "School User Reader", Description: "Reads users of a school",
			Privileges: []Privilege{{ServiceAdminDirectory, "ORGANIZATION_UNITS_RETRIEVE"}, {ServiceAdminDirectory, PrivUsersRetrieve}}},
		{ID: d.roleID(4), Name: "_GROUPS_ADMIN_ROLE", Description: "Groups Admin", System: true,
			Privileges: []Privilege{{"01tuee744837sjz", PrivGroupsAll}}},
	}
	ouID := func(p string) string { return strings.TrimPrefix(d.orgUnit(p).ID, "id:") }
	d.Assigns = []Assignment{
		{ID: d.roleID(11), RoleID: d.Roles[0].ID, UserID: super.ID, ScopeType: "CUSTOMER"},
		{ID: d.roleID(12), RoleID: d.Roles[2].ID, UserID: elemAdmin.ID, ScopeType: "ORG_UNIT", OrgUnitID: ouID("/Students/" + elem.Name)},
		{ID: d.roleID(13), RoleID: d.Roles[2].ID, UserID: staffAdmin.ID, ScopeType: "ORG_UNIT", OrgUnitID: ouID("/Staff")},
		{ID: d.roleID(14), RoleID: d.Roles[1].ID, UserID: helpdesk.ID, ScopeType: "CUSTOMER"},
		{ID: d.roleID(15), RoleID: d.Roles[3].ID, UserID: groups.ID, ScopeType: "CUSTOMER"},
	}
	d.DelegatedAdmins = []DelegatedAdmin{
		{Email: elemAdmin.PrimaryEmail, OrgUnits: []string{"/Students/" + elem.Name}, CanRead: true, RoleName: d.Roles[2].Name},
		{Email: staffAdmin.PrimaryEmail, OrgUnits: []string{"/Staff"}, CanRead: true, RoleName: d.Roles[2].Name},
		{Email: helpdesk.PrimaryEmail, OrgUnits: []string{"/"}, CanRead: true, RoleName: d.Roles[1].Name},
		{Email: groups.PrimaryEmail, CanRead: false, RoleName: d.Roles[3].Name},
	}
	sort.Slice(d.Users, func(i, j int) bool { return d.Users[i].ID < d.Users[j].ID })
	return d
}

// newID returns a fresh 21-digit user id. Ids come from a counter mixed by
// an odd multiplier (a bijection on 64 bits), so they are unique, look
// random, and sort unrelated to names or org units.
func (d *District) newID() string {
	d.nextID++
	return fmt.Sprintf("1%020d", d.nextID*0x9E3779B97F4A7C15)
}

func (d *District) roleID(n int64) int64 { return 9170516996784000 + n*7919 }

func (d *District) orgUnit(path string) *OrgUnit {
	i := sort.Search(len(d.OrgUnits), func(i int) bool { return d.OrgUnits[i].Path >= path })
	if i < len(d.OrgUnits) && d.OrgUnits[i].Path == path {
		return &d.OrgUnits[i]
	}
	return nil
}

// ActiveIn lists the users Fetch should return for an org unit: not
// suspended nor archived, in the unit or (with sub) below it. Tests derive
// their expectations from it.
func (d *District) ActiveIn(ou string, sub bool) []User {
	var out []User
	for _, u := range d.Users {
		if u.Suspended || u.Archived {
			continue
		}
		if ouMatch(u.OrgUnitPath, ou, sub) {
			out = append(out, u)
		}
	}
	return out
}

// ouMatch reports whether path is ou, or below it when sub is set. Org
// unit paths compare case-insensitively, as Google's search does.
func ouMatch(path, ou string, sub bool) bool {
	if strings.EqualFold(path, ou) {
		return true
	}
	if !sub {
		return false
	}
	if ou == "/" {
		return true
	}
	return len(path) > len(ou) && path[len(ou)] == '/' && strings.EqualFold(path[:len(ou)], ou)
}

func uniqueEmail(seen map[string]int, given, family, domain string) string {
	local := emailPart(given) + "." + emailPart(family)
	seen[local]++
	if n := seen[local]; n > 1 {
		local = fmt.Sprintf("%s%d", local, n)
	}
	return local + "@" + domain
}

// emailPart folds a name to the letters an address may hold.
func emailPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == 'ü':
			b.WriteString("u")
		case r == 'á':
			b.WriteString("a")
		case r == 'é':
			b.WriteString("e")
		}
	}
	return b.String()
}

type ouBuilder struct {
	rng *rand.Rand
	byP map[string]OrgUnit
	ous []OrgUnit
}

func newOUBuilder(rng *rand.Rand) *ouBuilder {
	return &ouBuilder{rng: rng, byP: map[string]OrgUnit{}}
}

func (b *ouBuilder) add(path string) {
	ou := OrgUnit{ID: "id:03ph8a2z" + randBase36(b.rng, 7), Path: path}
	if path != "/" {
		i := strings.LastIndexByte(path, '/')
		ou.Name = path[i+1:]
		ou.ParentPath = path[:max(i, 1)]
		ou.ParentID = b.byP[ou.ParentPath].ID
	}
	b.byP[path] = ou
	b.ous = append(b.ous, ou)
}

func (b *ouBuilder) list() []OrgUnit {
	sort.Slice(b.ous, func(i, j int) bool { return b.ous[i].Path < b.ous[j].Path })
	return b.ous
}

func randBase36(rng *rand.Rand, n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rng.IntN(len(digits))]
	}
	return string(b)
}
