package fake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
)

// record is one item of a list: its id (the paging key), its URI and the
// object.
type record struct {
	id  string
	uri string
	obj map[string]any
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

type link struct {
	Rel string `json:"rel"`
	URI string `json:"uri"`
}

// one answers a single record in Clever's envelope.
func one(w http.ResponseWriter, r *http.Request, obj map[string]any) {
	writeJSON(w, map[string]any{"data": obj, "links": []link{{"self", r.URL.RequestURI()}}})
}

// list pages recs (sorted by id) as Clever does: limit and
// starting_after, a next link whenever the page is full.
func (s *Server) list(w http.ResponseWriter, r *http.Request, recs []record) *apiError {
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errBadRequest("invalid limit: " + v)
		}
		if n > MaxLimit {
			return &apiError{http.StatusRequestEntityTooLarge, MsgLimitTooBig}
		}
		limit = n
	}
	after := q.Get("starting_after")
	start := sort.Search(len(recs), func(i int) bool { return recs[i].id > after })
	if after == "" {
		start = 0
	}
	s.count.listPages.Add(1)
	pg, ok := s.faults.AtPage(r.Context(), start/limit+1)
	if !ok {
		return nil
	}
	if pg.FailCode != 0 {
		return &apiError{pg.FailCode, http.StatusText(pg.FailCode)}
	}
	if pg.Empty {
		recs = nil
		start = 0
	}
	end := min(start+limit, len(recs))
	data := make([]map[string]any, 0, end-start)
	for _, rec := range recs[start:end] {
		data = append(data, map[string]any{"data": rec.obj, "uri": rec.uri})
	}
	links := []link{{"self", r.URL.RequestURI()}}
	if end-start == limit {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("starting_after", recs[end-1].id)
		links = append(links, link{"next", r.URL.Path + "?" + nq.Encode()})
	}
	writeJSON(w, map[string]any{"data": data, "links": links})
	return nil
}

func (s *Server) userRecords(r *http.Request, ids []string) []record {
	v := r.PathValue("version")
	out := make([]record, 0, len(ids))
	for _, id := range ids {
		if u := s.users[id]; u != nil {
			out = append(out, record{id, "/" + v + "/users/" + id, s.renderUser(u)})
		}
	}
	slices.SortFunc(out, func(a, b record) int { return compare(a.id, b.id) })
	return slices.CompactFunc(out, func(a, b record) bool { return a.id == b.id })
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// roleParam reads role=, which must be one of Clever's role names.
func roleParam(r *http.Request) (string, *apiError) {
	role := r.URL.Query().Get("role")
	if role != "" && !slices.Contains(Roles, role) {
		return "", errBadRequest("invalid role: " + role)
	}
	return role, nil
}

func (s *Server) districtsList(w http.ResponseWriter, r *http.Request) *apiError {
	d := map[string]any{"id": s.district.ID, "name": s.district.Name}
	return s.list(w, r, []record{{s.district.ID, "/" + r.PathValue("version") + "/districts/" + s.district.ID, d}})
}

func (s *Server) usersList(w http.ResponseWriter, r *http.Request) *apiError {
	role, aerr := roleParam(r)
	if aerr != nil {
		return aerr
	}
	s.mu.RLock()
	var ids []string
	for _, id := range s.userIDs {
		if u := s.users[id]; u != nil && (role == "" || u.Has(role)) {
			ids = append(ids, id)
		}
	}
	recs := s.userRecords(r, ids)
	s.mu.RUnlock()
	return s.list(w, r, recs)
}

func (s *Server) userGet(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.RLock()
	u := s.users[r.PathValue("id")]
	var obj map[string]any
	if u != nil {
		obj = s.renderUser(u)
	}
	s.mu.RUnlock()
	if u == nil {
		return errNotFound()
	}
	one(w, r, obj)
	return nil
}

func (s *Server) userSections(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	s.mu.RLock()
	if s.users[id] == nil {
		s.mu.RUnlock()
		return errNotFound()
	}
	var recs []record
	for _, sid := range s.sectIDs {
		sec := s.sections[sid]
		if sec != nil && (slices.Contains(sec.Students, id) || slices.Contains(sec.Teachers, id)) {
			recs = append(recs, record{sid, "/" + r.PathValue("version") + "/sections/" + sid, s.renderSection(sec)})
		}
	}
	s.mu.RUnlock()
	return s.list(w, r, recs)
}

func (s *Server) sectionGet(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.RLock()
	sec := s.sections[r.PathValue("id")]
	var obj map[string]any
	if sec != nil {
		obj = s.renderSection(sec)
	}
	s.mu.RUnlock()
	if sec == nil {
		return errNotFound()
	}
	one(w, r, obj)
	return nil
}

// sectionUsers lists a section's students and teachers; role=student or
// role=teacher keeps the section's students or its teachers. Contacts are
// never section members.
func (s *Server) sectionUsers(w http.ResponseWriter, r *http.Request) *apiError {
	role, aerr := roleParam(r)
	if aerr != nil {
		return aerr
	}
	s.mu.RLock()
	sec := s.sections[r.PathValue("id")]
	if sec == nil {
		s.mu.RUnlock()
		return errNotFound()
	}
	var ids []string
	if role == "" || role == "student" {
		ids = append(ids, sec.Students...)
	}
	if role == "" || role == "teacher" {
		ids = append(ids, sec.Teachers...)
	}
	recs := s.userRecords(r, ids)
	s.mu.RUnlock()
	return s.list(w, r, recs)
}

func (s *Server) schoolGet(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.RLock()
	sc := s.schools[r.PathValue("id")]
	var obj map[string]any
	if sc != nil {
		obj = s.renderSchool(sc)
	}
	s.mu.RUnlock()
	if sc == nil {
		return errNotFound()
	}
	one(w, r, obj)
	return nil
}

// schoolUsers lists the users with a role at the school (any of their
// schools, not only the primary one); role=contact lists the contacts of
// the school's students.
func (s *Server) schoolUsers(w http.ResponseWriter, r *http.Request) *apiError {
	role, aerr := roleParam(r)
	if aerr != nil {
		return aerr
	}
	school := r.PathValue("id")
	s.mu.RLock()
	if s.schools[school] == nil {
		s.mu.RUnlock()
		return errNotFound()
	}
	var ids []string
	for _, id := range s.userIDs {
		u := s.users[id]
		switch {
		case u == nil:
		case role == "contact":
			if u.Contact != nil && slices.ContainsFunc(u.Contact.Students, func(st string) bool {
				su := s.users[st]
				return su != nil && su.AtSchool(school)
			}) {
				ids = append(ids, id)
			}
		case role == "" && u.AtSchool(school), role != "" && u.HasAt(role, school):
			ids = append(ids, id)
		}
	}
	recs := s.userRecords(r, ids)
	s.mu.RUnlock()
	return s.list(w, r, recs)
}
