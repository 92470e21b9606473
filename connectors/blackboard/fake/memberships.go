package fake

import (
	"net/http"
	"strings"
)

const created = "2025-08-18T13:04:05.000Z"

type availabilityJSON struct {
	Available string `json:"available"`
}

type nameJSON struct {
	Given  string `json:"given"`
	Family string `json:"family"`
}

type contactJSON struct {
	Email string `json:"email,omitempty"`
}

type userJSON struct {
	ID                 string           `json:"id"`
	UUID               string           `json:"uuid"`
	ExternalID         string           `json:"externalId,omitempty"`
	DataSourceID       string           `json:"dataSourceId,omitempty"`
	UserName           string           `json:"userName"`
	StudentID          string           `json:"studentId,omitempty"`
	Created            string           `json:"created"`
	SystemRoleIDs      []string         `json:"systemRoleIds"`
	Availability       availabilityJSON `json:"availability"`
	Name               nameJSON         `json:"name"`
	Contact            *contactJSON     `json:"contact,omitempty"`
	InstitutionRoleIDs []string         `json:"institutionRoleIds"`
}

type membershipJSON struct {
	ID            string           `json:"id"`
	UserID        string           `json:"userId"`
	User          *userJSON        `json:"user,omitempty"`
	CourseID      string           `json:"courseId"`
	ChildCourseID string           `json:"childCourseId,omitempty"`
	DataSourceID  string           `json:"dataSourceId"`
	Created       string           `json:"created"`
	Availability  availabilityJSON `json:"availability"`
	CourseRoleID  string           `json:"courseRoleId"`
}

func renderUser(u *User) *userJSON {
	j := &userJSON{ID: u.ID, UUID: u.UUID, ExternalID: u.ExternalID, DataSourceID: u.DataSourceID, UserName: u.UserName,
		StudentID: u.StudentID, Created: created, SystemRoleIDs: []string{"User"}, InstitutionRoleIDs: []string{},
		Availability: availabilityJSON{u.Available}, Name: nameJSON{u.Given, u.Family}}
	if u.Email != "" {
		j.Contact = &contactJSON{Email: u.Email}
	}
	return j
}

// membershipsList answers GET /learn/api/public/v1/courses/{courseId}/users.
func (s *Server) membershipsList(w http.ResponseWriter, r *http.Request) *apiError {
	s.count.memberPages.Add(1)
	q := r.URL.Query()
	offset, limit, aerr := s.window(q)
	if aerr != nil {
		return aerr
	}
	empty, ok, truncate := s.page(r.Context(), w, offset/limit+1)
	if !ok {
		return nil
	}
	expandUser := false
	for _, e := range strings.Split(q.Get("expand"), ",") {
		expandUser = expandUser || strings.TrimSpace(e) == "user"
	}
	role, avail, source := q.Get("role"), q.Get("availability.available"), q.Get("dataSourceId")

	s.mu.RLock()
	c := s.course(r.PathValue("courseId"))
	if c == nil {
		s.mu.RUnlock()
		return &apiError{code: http.StatusNotFound, message: "Course not found: " + r.PathValue("courseId")}
	}
	if source != "" {
		if ds := s.dataSource(source); ds != nil {
			source = ds.ID
		}
	}
	var all []membershipJSON
	add := func(m *Membership, child string) {
		if empty || (role != "" && m.CourseRoleID != role) || (avail != "" && m.Available != avail) ||
			(source != "" && m.DataSourceID != source) {
			return
		}
		j := membershipJSON{ID: m.ID, UserID: m.UserID, CourseID: c.ID, ChildCourseID: child, DataSourceID: m.DataSourceID,
			Created: created, Availability: availabilityJSON{m.Available}, CourseRoleID: m.CourseRoleID}
		if expandUser {
			j.User = renderUser(s.users[m.UserID])
		}
		all = append(all, j)
	}
	for _, m := range s.rosters[c.ID] {
		add(m, "")
	}
	// A parent of cross-listed courses lists its children's members too.
	for _, child := range s.children[c.ID] {
		for _, m := range s.rosters[child] {
			add(m, child)
		}
	}
	s.mu.RUnlock()
	writeList(w, r, all, offset, limit, truncate)
	return nil
}

// course finds a course by any of Learn's id forms; s.mu is held.
func (s *Server) course(id string) *Course {
	kind, val, found := strings.Cut(id, ":")
	if !found {
		return s.courses[id]
	}
	for _, cid := range s.courseOrder {
		c := s.courses[cid]
		switch kind {
		case "courseId":
			if c.CourseID == val {
				return c
			}
		case "externalId":
			if c.ExternalID == val {
				return c
			}
		case "uuid":
			if c.UUID == val {
				return c
			}
		}
	}
	return nil
}

// dataSource finds a data source by primary or externalId:; s.mu is held.
func (s *Server) dataSource(id string) *DataSource {
	if ext, ok := strings.CutPrefix(id, "externalId:"); ok {
		for _, ds := range s.sources {
			if ds.ExternalID == ext {
				return ds
			}
		}
		return nil
	}
	return s.sources[id]
}

// term finds a term by primary or externalId:; s.mu is held.
func (s *Server) term(id string) *Term {
	if ext, ok := strings.CutPrefix(id, "externalId:"); ok {
		for _, t := range s.terms {
			if t.ExternalID == ext {
				return t
			}
		}
		return nil
	}
	return s.terms[id]
}
