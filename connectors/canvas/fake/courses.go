package fake

import (
	"net/http"
	"slices"
	"strconv"
)

type accountJSON struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	ParentAccountID *int64 `json:"parent_account_id"`
	RootAccountID   *int64 `json:"root_account_id"`
	WorkflowState   string `json:"workflow_state"`
}

type courseJSON struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	CourseCode       string `json:"course_code"`
	AccountID        int64  `json:"account_id"`
	RootAccountID    int64  `json:"root_account_id"`
	EnrollmentTermID int64  `json:"enrollment_term_id"`
	WorkflowState    string `json:"workflow_state"`
}

type termJSON struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	WorkflowState string `json:"workflow_state"`
}

// account resolves an :id path value ("self" is the root account).
func (s *Server) account(v string) (*Account, bool) {
	if v == "self" {
		a, ok := s.accounts[s.root]
		return a, ok
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, false
	}
	a, ok := s.accounts[id]
	return a, ok
}

// under reports whether account id is acct or one of its sub-accounts.
func (s *Server) under(id, acct int64) bool {
	for depth := 0; id != 0 && depth < 64; depth++ {
		if id == acct {
			return true
		}
		a, ok := s.accounts[id]
		if !ok {
			return false
		}
		id = a.ParentID
	}
	return false
}

func (s *Server) accountGet(w http.ResponseWriter, r *http.Request, u *User) *apiError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.account(r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	if !u.Admin {
		return errNotAuthorized()
	}
	j := accountJSON{ID: a.ID, Name: a.Name, WorkflowState: "active"}
	if a.ParentID != 0 {
		p, root := a.ParentID, s.root
		j.ParentAccountID, j.RootAccountID = &p, &root
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (s *Server) termGet(w http.ResponseWriter, r *http.Request, u *User) *apiError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.account(r.PathValue("id"))
	if !ok || a.ID != s.root {
		return errNotFound()
	}
	if !u.Admin {
		return errNotAuthorized()
	}
	id, err := strconv.ParseInt(r.PathValue("term"), 10, 64)
	t, found := s.terms[id]
	if err != nil || !found {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, termJSON{ID: t.ID, Name: t.Name, WorkflowState: "active"})
	return nil
}

func (s *Server) courseJSON(c *Course) courseJSON {
	return courseJSON{ID: c.ID, Name: c.Name, CourseCode: c.CourseCode, AccountID: c.AccountID,
		RootAccountID: s.root, EnrollmentTermID: c.TermID, WorkflowState: c.WorkflowState}
}

func (s *Server) courseGet(w http.ResponseWriter, r *http.Request, u *User) *apiError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, ok := s.courses[id]
	if err != nil || !ok || c.WorkflowState == "deleted" {
		return errNotFound()
	}
	if !u.Admin {
		return errNotAuthorized()
	}
	writeJSON(w, http.StatusOK, s.courseJSON(c))
	return nil
}

// coursesList serves GET /api/v1/accounts/:id/courses ("List active
// courses in an account", AccountsController#courses_api): the courses of
// the account and its sub-accounts, by id, in numbered pages.
func (s *Server) coursesList(w http.ResponseWriter, r *http.Request, u *User) *apiError {
	s.count.coursePages.Add(1)
	q := r.URL.Query()
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.account(r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	if !u.Admin {
		return errNotAuthorized()
	}
	// Canvas's state[] speaks of created and claimed where the course
	// JSON says unpublished; "all" is every state; default: all but
	// deleted.
	states := q["state[]"]
	if len(states) == 0 {
		states = []string{"created", "claimed", "available", "completed"}
	}
	if slices.Contains(states, "all") {
		states = []string{"created", "claimed", "available", "completed", "deleted"}
	}
	var term int64
	if v := q.Get("enrollment_term_id"); v != "" {
		var err error
		if term, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errBadRequest("invalid enrollment_term_id")
		}
	}
	withEnrollments := q.Get("with_enrollments") == "true"
	var match []*Course
	for _, id := range s.courseIDs {
		c := s.courses[id]
		switch {
		case !s.under(c.AccountID, a.ID):
		case !courseInStates(c.WorkflowState, states):
		case term != 0 && c.TermID != term:
		case withEnrollments && len(s.rosters[id]) == 0:
		default:
			match = append(match, c)
		}
	}
	per := perPage(r)
	page, aerr := ordinalPage(r)
	if aerr != nil {
		return aerr
	}
	from := min((page-1)*per, len(match))
	to := min(from+per, len(match))
	out := make([]courseJSON, 0, to-from)
	for _, c := range match[from:to] {
		out = append(out, s.courseJSON(c))
	}
	var next, prev string
	if to < len(match) {
		next = pageURL(r, strconv.Itoa(page+1), per)
	}
	if page > 1 {
		prev = pageURL(r, strconv.Itoa(page-1), per)
	}
	// No rel="last": courses_api paginates with total_entries nil.
	setLink(w, "current", pageURL(r, strconv.Itoa(page), per), "next", next, "prev", prev,
		"first", pageURL(r, "1", per))
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) usersSelf(w http.ResponseWriter, _ *http.Request, u *User) *apiError {
	writeJSON(w, http.StatusOK, s.userObject(u, u, false, true))
	return nil
}

// courseInStates matches a course's workflow state against state[]
// values: unpublished is Canvas's created or claimed.
func courseInStates(state string, states []string) bool {
	if state == "unpublished" {
		return slices.Contains(states, "created") || slices.Contains(states, "claimed")
	}
	return slices.Contains(states, state)
}
