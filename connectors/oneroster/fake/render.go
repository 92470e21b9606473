package fake

import "time"

// JSON forms of the records, as the 1.1 and 1.2 REST bindings write them.

const dateTimeFormat = "2006-01-02T15:04:05.000Z"

func stamp(t time.Time) string { return t.UTC().Format(dateTimeFormat) }

type refJSON struct {
	Href      string `json:"href"`
	SourcedID string `json:"sourcedId"`
	Type      string `json:"type"`
}

func (s *Server) ref(base, typ, collection, id string) refJSON {
	return refJSON{Href: s.http.URL + base + "/" + collection + "/" + id, SourcedID: id, Type: typ}
}

type user11JSON struct {
	SourcedID        string    `json:"sourcedId"`
	Status           string    `json:"status"`
	DateLastModified string    `json:"dateLastModified"`
	Username         string    `json:"username"`
	UserIDs          []any     `json:"userIds"`
	EnabledUser      string    `json:"enabledUser"` // 1.1 writes the boolean as a string
	GivenName        string    `json:"givenName"`
	FamilyName       string    `json:"familyName"`
	MiddleName       string    `json:"middleName"`
	Role             string    `json:"role"`
	Identifier       string    `json:"identifier"`
	Email            string    `json:"email"`
	SMS              string    `json:"sms"`
	Phone            string    `json:"phone"`
	Agents           []refJSON `json:"agents"`
	Orgs             []refJSON `json:"orgs"`
	Grades           []string  `json:"grades"`
}

type roleJSON struct {
	RoleType string  `json:"roleType"`
	Role     string  `json:"role"`
	Org      refJSON `json:"org"`
}

type user12JSON struct {
	SourcedID        string     `json:"sourcedId"`
	Status           string     `json:"status"`
	DateLastModified string     `json:"dateLastModified"`
	UserMasterID     string     `json:"userMasterIdentifier"`
	Username         string     `json:"username"`
	UserIDs          []any      `json:"userIds"`
	EnabledUser      bool       `json:"enabledUser"`
	GivenName        string     `json:"givenName"`
	FamilyName       string     `json:"familyName"`
	MiddleName       string     `json:"middleName"`
	PreferredGiven   string     `json:"preferredFirstName"`
	Roles            []roleJSON `json:"roles"`
	Identifier       string     `json:"identifier"`
	Email            string     `json:"email"`
	SMS              string     `json:"sms"`
	Phone            string     `json:"phone"`
	Agents           []refJSON  `json:"agents"`
	PrimaryOrg       *refJSON   `json:"primaryOrg,omitempty"`
	Grades           []string   `json:"grades"`
}

func (s *Server) renderUser(base string, v12 bool, u *User) any {
	orgs := make([]refJSON, len(u.Orgs))
	for i, o := range u.Orgs {
		orgs[i] = s.ref(base, "org", "orgs", o)
	}
	if !v12 {
		enabled := "false"
		if u.Enabled {
			enabled = "true"
		}
		return &user11JSON{SourcedID: u.SourcedID, Status: u.Status, DateLastModified: stamp(u.Modified),
			Username: u.Username, UserIDs: []any{}, EnabledUser: enabled, GivenName: u.GivenName, FamilyName: u.FamilyName,
			Role: u.Role, Identifier: u.SourcedID, Email: u.Email, Agents: []refJSON{}, Orgs: orgs, Grades: []string{}}
	}
	roles := make([]roleJSON, len(orgs))
	for i, o := range orgs {
		rt := "primary"
		if i > 0 {
			rt = "secondary"
		}
		roles[i] = roleJSON{RoleType: rt, Role: u.Role, Org: o}
	}
	for _, r := range u.OrgRoles {
		roles = append(roles, roleJSON{RoleType: "secondary", Role: r.Role, Org: s.ref(base, "org", "orgs", r.Org)})
	}
	out := &user12JSON{SourcedID: u.SourcedID, Status: u.Status, DateLastModified: stamp(u.Modified),
		Username: u.Username, UserIDs: []any{}, EnabledUser: u.Enabled, GivenName: u.GivenName, FamilyName: u.FamilyName,
		Roles: roles, Identifier: u.SourcedID, Email: u.Email, Agents: []refJSON{}, Grades: []string{}}
	if len(orgs) > 0 {
		out.PrimaryOrg = &orgs[0]
	}
	return out
}

type enrollmentJSON struct {
	SourcedID        string  `json:"sourcedId"`
	Status           string  `json:"status"`
	DateLastModified string  `json:"dateLastModified"`
	User             refJSON `json:"user"`
	Class            refJSON `json:"class"`
	School           refJSON `json:"school"`
	Role             string  `json:"role"`
	Primary          any     `json:"primary"` // "false" in 1.1, false in 1.2
	BeginDate        string  `json:"beginDate,omitempty"`
	EndDate          string  `json:"endDate,omitempty"`
}

func (s *Server) renderEnrollment(base string, v12 bool, e *Enrollment) any {
	var primary any = "false"
	if v12 {
		primary = false
	}
	return &enrollmentJSON{SourcedID: e.SourcedID, Status: e.Status, DateLastModified: stamp(e.Modified),
		User: s.ref(base, "user", "users", e.User), Class: s.ref(base, "class", "classes", e.Class),
		School: s.ref(base, "org", "schools", e.School), Role: e.Role, Primary: primary, BeginDate: "2025-08-15", EndDate: e.EndDate}
}

type orgJSON struct {
	SourcedID        string    `json:"sourcedId"`
	Status           string    `json:"status"`
	DateLastModified string    `json:"dateLastModified"`
	Name             string    `json:"name"`
	Type             string    `json:"type"`
	Identifier       string    `json:"identifier"`
	Parent           *refJSON  `json:"parent,omitempty"`
	Children         []refJSON `json:"children"`
}

func (s *Server) renderOrg(base string, _ bool, o *Org) any {
	out := &orgJSON{SourcedID: o.SourcedID, Status: o.Status, DateLastModified: stamp(o.Modified), Name: o.Name,
		Type: o.Type, Identifier: o.SourcedID, Children: []refJSON{}}
	if o.Parent != "" {
		p := s.ref(base, "org", "orgs", o.Parent)
		out.Parent = &p
	}
	return out
}

type classJSON struct {
	SourcedID        string    `json:"sourcedId"`
	Status           string    `json:"status"`
	DateLastModified string    `json:"dateLastModified"`
	Title            string    `json:"title"`
	ClassCode        string    `json:"classCode"`
	ClassType        string    `json:"classType"`
	Location         string    `json:"location"`
	Grades           []string  `json:"grades"`
	Subjects         []string  `json:"subjects"`
	School           refJSON   `json:"school"`
	Terms            []refJSON `json:"terms"`
}

func (s *Server) renderClass(base string, _ bool, c *Class) any {
	return &classJSON{SourcedID: c.SourcedID, Status: c.Status, DateLastModified: stamp(c.Modified), Title: c.Title,
		ClassCode: c.SourcedID, ClassType: "scheduled", Grades: []string{}, Subjects: []string{},
		School: s.ref(base, "org", "schools", c.School), Terms: []refJSON{}}
}

// Fields each collection can be filtered on.
func userField(u *User) func(string) string {
	return func(f string) string {
		switch f {
		case "sourcedId":
			return u.SourcedID
		case "status":
			return u.Status
		case "dateLastModified":
			return stamp(u.Modified)
		case "username":
			return u.Username
		case "email":
			return u.Email
		case "givenName":
			return u.GivenName
		case "familyName":
			return u.FamilyName
		case "role":
			return u.Role
		case "enabledUser":
			if u.Enabled {
				return "true"
			}
			return "false"
		}
		return ""
	}
}

var userFields = fieldSet("sourcedId", "status", "dateLastModified", "username", "email", "givenName", "familyName", "role", "enabledUser")

func enrollmentField(e *Enrollment) func(string) string {
	return func(f string) string {
		switch f {
		case "sourcedId":
			return e.SourcedID
		case "status":
			return e.Status
		case "dateLastModified":
			return stamp(e.Modified)
		case "role":
			return e.Role
		case "endDate":
			return e.EndDate
		}
		return ""
	}
}

var enrollmentFields = fieldSet("sourcedId", "status", "dateLastModified", "role", "endDate")

func orgField(o *Org) func(string) string {
	return func(f string) string {
		switch f {
		case "sourcedId":
			return o.SourcedID
		case "status":
			return o.Status
		case "dateLastModified":
			return stamp(o.Modified)
		case "name":
			return o.Name
		case "type":
			return o.Type
		}
		return ""
	}
}

var orgFields = fieldSet("sourcedId", "status", "dateLastModified", "name", "type")

func classField(c *Class) func(string) string {
	return func(f string) string {
		switch f {
		case "sourcedId":
			return c.SourcedID
		case "status":
			return c.Status
		case "dateLastModified":
			return stamp(c.Modified)
		case "title":
			return c.Title
		}
		return ""
	}
}

var classFields = fieldSet("sourcedId", "status", "dateLastModified", "title")

func fieldSet(names ...string) func(string) bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return func(s string) bool { return m[s] }
}
