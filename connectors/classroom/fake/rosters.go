package fake

import (
	"net/http"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

type nameJSON struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	FullName   string `json:"fullName"`
}

// profileJSON is a UserProfile. emailAddress is only filled for tokens
// with the classroom.profile.emails scope, as Google documents.
type profileJSON struct {
	ID           string   `json:"id"`
	Name         nameJSON `json:"name"`
	EmailAddress string   `json:"emailAddress,omitempty"`
}

// memberJSON is a Student or a Teacher.
type memberJSON struct {
	CourseID string      `json:"courseId"`
	UserID   string      `json:"userId"`
	Profile  profileJSON `json:"profile"`
}

func (srv *Server) profile(i int, emails bool) profileJSON {
	u := &srv.s.Users[i]
	p := profileJSON{ID: u.ID, Name: nameJSON{GivenName: u.GivenName, FamilyName: u.FamilyName, FullName: u.GivenName + " " + u.FamilyName}}
	if emails {
		p.EmailAddress = u.Email
	}
	return p
}

// studentsList is courses.students.list: 30 a page by default.
func (srv *Server) studentsList(w http.ResponseWriter, q *request) *fakeauth.Error {
	srv.count.studentsList.Add(1)
	return srv.rosterList(w, q, "students", func(c *course) []member { return c.students })
}

// teachersList is courses.teachers.list: 30 a page by default.
func (srv *Server) teachersList(w http.ResponseWriter, q *request) *fakeauth.Error {
	srv.count.teachersList.Add(1)
	return srv.rosterList(w, q, "teachers", func(c *course) []member { return c.teachers })
}

func (srv *Server) rosterList(w http.ResponseWriter, q *request, key string, roster func(*course) []member) *fakeauth.Error {
	p, aerr := srv.readPage(q.r.URL.Query(), q.r.URL.Path, 30)
	if aerr != nil {
		return aerr
	}
	ok, fail, truncate, empty := srv.atPage(q.r, p.n)
	if !ok {
		return nil
	}
	if fail != nil {
		return fail
	}
	srv.mu.RLock()
	c := srv.courses[q.r.PathValue("courseId")]
	if c == nil || empty {
		srv.mu.RUnlock()
		return notFound()
	}
	if !c.visible(q.who) {
		srv.mu.RUnlock()
		return fakeauth.PermissionDenied("The caller does not have permission")
	}
	var items []memberJSON
	next, last := "", 0
	for _, m := range roster(c) {
		if m.seq <= p.after || srv.gone[m.user] {
			continue
		}
		if len(items) == p.size {
			next = p.next(last)
			break
		}
		items = append(items, memberJSON{CourseID: c.ID, UserID: m.user, Profile: srv.profile(srv.users[m.user], q.emails)})
		last = m.seq
	}
	srv.mu.RUnlock()
	body := map[string]any{}
	if len(items) > 0 {
		body[key] = items
	}
	if next != "" {
		body["nextPageToken"] = next
	}
	return writeJSON(w, body, truncate, q.mask)
}

// userProfilesGet is userProfiles.get, by id, email or "me".
func (srv *Server) userProfilesGet(w http.ResponseWriter, q *request) *fakeauth.Error {
	srv.count.profiles.Add(1)
	srv.mu.RLock()
	id, ok := srv.resolve(q.who, q.r.PathValue("userId"))
	if !ok {
		srv.mu.RUnlock()
		return notFound()
	}
	p := srv.profile(srv.users[id], q.emails)
	srv.mu.RUnlock()
	return writeJSON(w, &p, false, q.mask)
}
