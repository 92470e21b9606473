package fake

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// userJSON is Canvas's User object. The RawMessage fields tell an absent
// key (nil, left out) from a null one ("null"), as Canvas does.
type userJSON struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name"`
	CreatedAt     string           `json:"created_at"`
	SortableName  string           `json:"sortable_name"`
	ShortName     string           `json:"short_name"`
	SISUserID     json.RawMessage  `json:"sis_user_id,omitempty"`
	IntegrationID json.RawMessage  `json:"integration_id,omitempty"`
	LoginID       string           `json:"login_id,omitempty"`
	Email         json.RawMessage  `json:"email,omitempty"`
	Enrollments   []enrollmentJSON `json:"enrollments,omitempty"`
}

// userObject is Canvas's User object as Api::V1::User#user_json builds it
// for caller (lib/api/v1/user.rb): id, name, created_at, sortable_name and
// short_name always; sis_user_id, integration_id and login_id for an
// admin caller; email only when the request asked for it
// (include[]=email), the caller holds read_email_addresses and the user's
// personal information is shown (personal), and then null when the user
// has no email channel.
func (s *Server) userObject(u, caller *User, withEmail, personal bool) *userJSON {
	j := &userJSON{ID: u.ID, Name: u.Name, CreatedAt: "2025-08-01T12:00:00Z", SortableName: u.SortableName, ShortName: u.Name}
	if caller.Admin && personal {
		j.SISUserID, j.IntegrationID = jsonString(u.SISUserID), jsonString("")
		j.LoginID = u.LoginID
	}
	if withEmail && personal && caller.Admin && !caller.NoEmailPermission {
		j.Email = jsonString(u.Email)
	}
	return j
}

// jsonString is s as a JSON string, or null when empty.
func jsonString(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	b, _ := json.Marshal(s)
	return b
}

// courseUserTypes maps enrollment_type[] values of "List users in course"
// to enrollment types.
var courseUserTypes = map[string]string{
	"student": StudentEnrollment, "teacher": TeacherEnrollment, "ta": TaEnrollment,
	"designer": DesignerEnrollment, "observer": ObserverEnrollment,
}

// courseUserStates are the documented enrollment_state[] values.
var courseUserStates = []string{StateActive, StateInvited, "rejected", StateCompleted, StateInactive}

// unconfirmed are the states in which Canvas hides a user's personal
// information (pseudonym and email) on the course roster.
var unconfirmed = []string{StateInvited, "creation_pending", "rejected"}

// courseUsers serves GET /api/v1/courses/:id/users ("List users in
// course", CoursesController#users): the course's users ordered by
// sortable name, each once however many enrollments they hold, in
// numbered pages with no rel="last" (the controller paginates with
// total_entries nil). enrollment_type[] and enrollment_state[] filter
// the users (default: active and invited enrollments); include[]=
// enrollments adds each user's enrollments in the course in the asked
// states (default active and invited); include[]=email adds the email as
// userObject says. A user whose enrollments are all invited, pending or
// rejected shows no login or email.
func (s *Server) courseUsers(w http.ResponseWriter, r *http.Request, caller *User) *apiError {
	s.count.userPages.Add(1)
	courseID, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound()
	}
	q := r.URL.Query()
	var types []string
	for _, t := range q["enrollment_type[]"] {
		if typ, ok := courseUserTypes[t]; ok {
			types = append(types, typ)
		} else if t == "student_view" {
			continue // the test student, which this fake has none of
		}
	}
	states := q["enrollment_state[]"]
	for _, st := range states {
		if !slices.Contains(courseUserStates, st) {
			return errBadRequest("Invalid enrollment_state " + st)
		}
	}
	listed := states
	if len(listed) == 0 {
		listed = []string{StateActive, StateInvited, "creation_pending"}
	}
	includes := q["include[]"]
	withEmail, withEnrollments := slices.Contains(includes, "email"), slices.Contains(includes, "enrollments")
	page, aerr := ordinalPage(r)
	if aerr != nil {
		return aerr
	}
	per := perPage(r)
	pf, ok := s.faults.AtPage(r.Context(), page)
	if !ok {
		return nil
	}
	if pf.FailCode != 0 {
		if pf.FailCode >= 500 {
			return errServer(pf.FailCode, int64(9000+page))
		}
		return errBadRequest("page " + strconv.Itoa(page) + " cannot be served")
	}

	s.mu.RLock()
	c, ok := s.courses[courseID]
	if !ok || c.WorkflowState == "deleted" {
		s.mu.RUnlock()
		return errNotFound()
	}
	if !caller.Admin {
		s.mu.RUnlock()
		return errNotAuthorized()
	}
	byUser := map[int64][]*Enrollment{}
	var users []*User
	if !pf.Empty {
		for _, e := range s.rosters[courseID] {
			if !slices.Contains(listed, e.State) || (len(types) > 0 && !slices.Contains(types, e.Type)) {
				continue
			}
			if _, seen := byUser[e.UserID]; !seen {
				users = append(users, s.users[e.UserID])
			}
			byUser[e.UserID] = nil
		}
	}
	slices.SortFunc(users, func(a, b *User) int {
		if c := strings.Compare(strings.ToLower(a.SortableName), strings.ToLower(b.SortableName)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, e := range s.rosters[courseID] {
		if _, in := byUser[e.UserID]; in && slices.Contains(listed, e.State) {
			byUser[e.UserID] = append(byUser[e.UserID], e)
		}
	}
	confirmed := map[int64]bool{}
	for _, e := range s.rosters[courseID] {
		if !slices.Contains(unconfirmed, e.State) {
			confirmed[e.UserID] = true
		}
	}
	from := min((page-1)*per, len(users))
	to := min(from+per, len(users))
	out := make([]*userJSON, 0, to-from)
	for _, u := range users[from:to] {
		j := s.userObject(u, caller, withEmail, confirmed[u.ID])
		if withEnrollments {
			j.Enrollments = make([]enrollmentJSON, 0, len(byUser[u.ID]))
			for _, e := range byUser[u.ID] {
				j.Enrollments = append(j.Enrollments, s.enrollmentObject(e, r.Host))
			}
		}
		out = append(out, j)
	}
	s.mu.RUnlock()

	var next string
	if to < len(users) {
		next = pageURL(r, strconv.Itoa(page+1), per)
	}
	var prev string
	if page > 1 {
		prev = pageURL(r, strconv.Itoa(page-1), per)
	}
	setLink(w, "current", pageURL(r, strconv.Itoa(page), per), "next", next, "prev", prev, "first", pageURL(r, "1", per))
	if pf.Truncate {
		writeTruncated(w, out)
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// accountUsers serves GET /api/v1/accounts/:id/users ("List users in
// account", UsersController#api_index): the users enrolled in a course of
// the account or its sub-accounts, and its admins, by sortable name, in
// numbered pages with no rel="last". include[]=email adds the email as
// userObject says; account users always show personal information.
func (s *Server) accountUsers(w http.ResponseWriter, r *http.Request, caller *User) *apiError {
	s.count.userPages.Add(1)
	q := r.URL.Query()
	withEmail := slices.Contains(q["include[]"], "email")
	page, aerr := ordinalPage(r)
	if aerr != nil {
		return aerr
	}
	per := perPage(r)
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.account(r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	if !caller.Admin {
		return errNotAuthorized()
	}
	in := map[int64]bool{}
	for _, u := range s.users {
		if u.Admin {
			in[u.ID] = true
		}
	}
	for cid, roster := range s.rosters {
		if c := s.courses[cid]; c == nil || !s.under(c.AccountID, a.ID) {
			continue
		}
		for _, e := range roster {
			in[e.UserID] = true
		}
	}
	users := make([]*User, 0, len(in))
	for id := range in {
		users = append(users, s.users[id])
	}
	slices.SortFunc(users, func(a, b *User) int {
		if c := strings.Compare(strings.ToLower(a.SortableName), strings.ToLower(b.SortableName)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	from := min((page-1)*per, len(users))
	to := min(from+per, len(users))
	out := make([]*userJSON, 0, to-from)
	for _, u := range users[from:to] {
		out = append(out, s.userObject(u, caller, withEmail, true))
	}
	var next, prev string
	if to < len(users) {
		next = pageURL(r, strconv.Itoa(page+1), per)
	}
	if page > 1 {
		prev = pageURL(r, strconv.Itoa(page-1), per)
	}
	setLink(w, "current", pageURL(r, strconv.Itoa(page), per), "next", next, "prev", prev, "first", pageURL(r, "1", per))
	writeJSON(w, http.StatusOK, out)
	return nil
}
