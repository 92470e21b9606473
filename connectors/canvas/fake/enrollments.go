package fake

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
)

// enrollmentJSON is Canvas's Enrollment object (Api::V1::User#
// enrollment_json), with the user embedded where the endpoint embeds it.
type enrollmentJSON struct {
	ID                     int64     `json:"id"`
	UserID                 int64     `json:"user_id"`
	CourseID               int64     `json:"course_id"`
	CourseSectionID        int64     `json:"course_section_id"`
	RootAccountID          int64     `json:"root_account_id"`
	AssociatedUserID       *int64    `json:"associated_user_id"`
	LimitPrivilegesSection bool      `json:"limit_privileges_to_course_section"`
	Type                   string    `json:"type"`
	Role                   string    `json:"role"`
	RoleID                 int       `json:"role_id"`
	EnrollmentState        string    `json:"enrollment_state"`
	CreatedAt              string    `json:"created_at"`
	UpdatedAt              string    `json:"updated_at"`
	HTMLURL                string    `json:"html_url"`
	User                   *userJSON `json:"user,omitempty"`
}

// enrollmentObject renders e without its user.
func (s *Server) enrollmentObject(e *Enrollment, host string) enrollmentJSON {
	j := enrollmentJSON{
		ID: e.ID, UserID: e.UserID, CourseID: e.CourseID, CourseSectionID: e.CourseID + 700000,
		RootAccountID: s.root, Type: e.Type, Role: e.Type, RoleID: roleIDs[e.Type], EnrollmentState: e.State,
		CreatedAt: "2025-08-20T15:04:05Z", UpdatedAt: "2025-08-20T15:04:05Z",
		HTMLURL: "http://" + host + "/courses/" + strconv.FormatInt(e.CourseID, 10) + "/users/" + strconv.FormatInt(e.UserID, 10),
	}
	if e.AssociatedUserID != 0 {
		a := e.AssociatedUserID
		j.AssociatedUserID = &a
	}
	return j
}

var roleIDs = map[string]int{StudentEnrollment: 3, TeacherEnrollment: 4, TaEnrollment: 5, DesignerEnrollment: 6, ObserverEnrollment: 7}

var knownStates = []string{StateActive, StateInvited, StateInactive, StateCompleted, StateDeleted, "creation_pending", "rejected"}

// enrollmentsList serves GET /api/v1/courses/:id/enrollments.
func (s *Server) enrollmentsList(w http.ResponseWriter, r *http.Request, u *User) *apiError {
	s.count.enrollmentPages.Add(1)
	courseID, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound()
	}
	q := r.URL.Query()
	types := append(q["type[]"], q["role[]"]...)
	for _, t := range types {
		if _, ok := roleIDs[t]; !ok {
			return errBadRequest("Invalid type")
		}
	}
	states := q["state[]"]
	if len(states) == 0 {
		// "Enrollments scoped to a course context will include inactive
		// states by default if the caller has account admin
		// authorization" (enrollments_api_controller.rb index).
		states = []string{StateActive, StateInvited}
		if u.Admin {
			states = append(states, StateInactive)
		}
	}
	for _, st := range states {
		if !slices.Contains(knownStates, st) {
			return errBadRequest("Invalid state " + st)
		}
	}
	var userFilter int64
	if v := q.Get("user_id"); v != "" {
		if userFilter, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errNotFound()
		}
	}
	per := perPage(r)
	page := 1
	var after *bookmark
	if p := q.Get("page"); p != "" && p != "first" && p != "1" {
		b, ok := decodeBookmark(p)
		if !ok {
			return errBadRequest("invalid page parameter: " + p)
		}
		after, page = &b, b.Page+1
	}

	pf, ok := s.faults.AtPage(r.Context(), page)
	if !ok {
		return nil
	}
	failCode, truncate, empty := pf.FailCode, pf.Truncate, pf.Empty
	if failCode != 0 {
		if failCode >= 500 {
			return errServer(failCode, int64(9000+page))
		}
		return errBadRequest("page " + strconv.Itoa(page) + " cannot be served")
	}

	s.mu.RLock()
	c, ok := s.courses[courseID]
	if !ok || c.WorkflowState == "deleted" {
		s.mu.RUnlock()
		return errNotFound()
	}
	if !u.Admin {
		s.mu.RUnlock()
		return errNotAuthorized()
	}
	roster := s.rosters[courseID]
	if empty {
		roster = nil
	}
	start := 0
	if after != nil {
		start = sort.Search(len(roster), func(i int) bool {
			e := roster[i]
			return compareEnrollment(e.Type, s.users[e.UserID].SortableName, e.ID, after.Type, after.Name, after.ID) > 0
		})
	}
	out := make([]enrollmentJSON, 0, per)
	more := false
	var last *Enrollment
	for _, e := range roster[start:] {
		if (len(types) > 0 && !slices.Contains(types, e.Type)) || !slices.Contains(states, e.State) ||
			(userFilter != 0 && e.UserID != userFilter) {
			continue
		}
		if len(out) == per {
			more = true
			break
		}
		// The embedded user never carries an email: include[]=email is
		// not one of this endpoint's documented include values.
		j := s.enrollmentObject(e, r.Host)
		j.User = s.userObject(s.users[e.UserID], u, false, true)
		out = append(out, j)
		last = e
	}
	var next string
	if more {
		next = pageURL(r, bookmark{Type: last.Type, Name: s.users[last.UserID].SortableName, ID: last.ID, Page: page}.encode(), per)
	}
	s.mu.RUnlock()

	current := pageURL(r, "first", per)
	if after != nil {
		current = pageURL(r, after.encode(), per)
	}
	setLink(w, "current", current, "next", next, "first", pageURL(r, "first", per))
	if truncate {
		writeTruncated(w, out)
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
