package fake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

type pagingInfo struct {
	Bookmark     string `json:"Bookmark"`
	HasMoreItems bool   `json:"HasMoreItems"`
}

type pagedResultSet[T any] struct {
	PagingInfo pagingInfo `json:"PagingInfo"`
	Items      []T        `json:"Items"`
}

// bookmarks are opaque to clients; the fake's carry a position.
func bookmarkAt(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("pos:" + strconv.Itoa(pos)))
}

func bookmarkPos(b string) (int, bool) {
	if b == "" {
		return 0, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(b)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "pos:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(raw), "pos:") {
		return 0, false
	}
	return n, true
}

// page cuts all at the bookmark's position: the server's page size, the
// bookmark of the page's last item, HasMoreItems when more follow.
func page[T any](all []T, pos, size int) pagedResultSet[T] {
	out := pagedResultSet[T]{Items: []T{}}
	if pos < len(all) {
		end := min(pos+size, len(all))
		out.Items = all[pos:end]
		out.PagingInfo = pagingInfo{Bookmark: bookmarkAt(end), HasMoreItems: end < len(all)}
	}
	return out
}

type versionJSON struct {
	ProductCode       string   `json:"ProductCode"`
	LatestVersion     string   `json:"LatestVersion"`
	SupportedVersions []string `json:"SupportedVersions"`
}

func (s *Server) versionsList(w http.ResponseWriter, r *http.Request, _ int) int {
	writeJSON(w, http.StatusOK, []versionJSON{
		{"lp", s.versions[len(s.versions)-1], s.versions},
		{"le", "1.80", []string{"1.78", "1.79", "1.80"}},
	})
	return 0
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request, user int) int {
	s.mu.RLock()
	u, ok := s.users[user]
	s.mu.RUnlock()
	if !ok {
		return http.StatusNotFound
	}
	writeJSON(w, http.StatusOK, struct {
		Identifier        string `json:"Identifier"`
		FirstName         string `json:"FirstName"`
		LastName          string `json:"LastName"`
		UniqueName        string `json:"UniqueName"`
		ProfileIdentifier string `json:"ProfileIdentifier"`
	}{strconv.Itoa(u.ID), u.FirstName, u.LastName, u.UserName, "p" + strconv.Itoa(u.ID)})
	return 0
}

type userJSON struct {
	Identifier   string  `json:"Identifier"`
	DisplayName  string  `json:"DisplayName"`
	EmailAddress *string `json:"EmailAddress"`
	OrgDefinedID *string `json:"OrgDefinedId"`
}

type roleJSON struct {
	ID   int     `json:"Id"`
	Code *string `json:"Code"`
	Name string  `json:"Name"`
}

type orgUnitUserJSON struct {
	User userJSON `json:"User"`
	Role roleJSON `json:"Role"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// enrollmentsList answers GET /d2l/api/lp/{v}/enrollments/orgUnits/{id}/users/.
func (s *Server) enrollmentsList(w http.ResponseWriter, r *http.Request, _ int) int {
	s.count.enrollmentPages.Add(1)
	q := r.URL.Query()
	pos, ok := bookmarkPos(q.Get("bookmark"))
	if !ok {
		return http.StatusBadRequest
	}
	p, alive := s.faults.AtPage(r.Context(), pos/s.pageSize+1)
	if !alive {
		return 0
	}
	if p.FailCode != 0 {
		return p.FailCode
	}
	roleFilter := 0
	if v := q.Get("roleId"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return http.StatusBadRequest
		}
		roleFilter = n
	}
	var active *bool
	if v := q.Get("isActive"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return http.StatusBadRequest
		}
		active = &b
	}
	ouID, err := strconv.Atoi(r.PathValue("orgUnitId"))
	if err != nil {
		return http.StatusNotFound
	}
	s.mu.RLock()
	if _, ok := s.units[ouID]; !ok {
		s.mu.RUnlock()
		return http.StatusNotFound
	}
	var all []orgUnitUserJSON
	if !p.Empty && !s.hideAll {
		for _, e := range s.rosters[ouID] {
			u := s.users[e.UserID]
			if u == nil || s.hidden[e.RoleID] || (roleFilter != 0 && e.RoleID != roleFilter) || (active != nil && u.Active != *active) {
				continue
			}
			role := s.roles[e.RoleID]
			all = append(all, orgUnitUserJSON{
				User: userJSON{Identifier: strconv.Itoa(u.ID), DisplayName: u.FirstName + " " + u.LastName,
					EmailAddress: optional(u.Email), OrgDefinedID: optional(u.OrgDefinedID)},
				Role: roleJSON{ID: role.ID, Code: optional(role.Code), Name: role.Name},
			})
		}
	}
	s.mu.RUnlock()
	out := page(all, pos, s.pageSize)
	if p.Truncate {
		b, _ := json.Marshal(out)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b[:len(b)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusOK, out)
	return 0
}

type typeJSON struct {
	ID   int    `json:"Id"`
	Code string `json:"Code"`
	Name string `json:"Name"`
}

type orgUnitJSON struct {
	Identifier string   `json:"Identifier"`
	Name       string   `json:"Name"`
	Code       *string  `json:"Code"`
	Type       typeJSON `json:"Type"`
}

func (s *Server) renderOrgUnit(ou *OrgUnit) orgUnitJSON {
	t := s.types[ou.Type]
	return orgUnitJSON{Identifier: strconv.Itoa(ou.ID), Name: ou.Name, Code: optional(ou.Code), Type: typeJSON(t)}
}

// orgUnitGet answers GET /d2l/api/lp/{v}/orgstructure/{id}.
func (s *Server) orgUnitGet(w http.ResponseWriter, r *http.Request, _ int) int {
	id, err := strconv.Atoi(r.PathValue("orgUnitId"))
	if err != nil {
		return http.StatusNotFound
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ou, ok := s.units[id]
	if !ok {
		return http.StatusNotFound
	}
	writeJSON(w, http.StatusOK, s.renderOrgUnit(ou))
	return 0
}

// descendants answers GET /d2l/api/lp/{v}/orgstructure/{id}/descendants/paged/.
func (s *Server) descendants(w http.ResponseWriter, r *http.Request, _ int) int {
	q := r.URL.Query()
	pos, ok := bookmarkPos(q.Get("bookmark"))
	if !ok {
		return http.StatusBadRequest
	}
	typeFilter := 0
	if v := q.Get("ouTypeId"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return http.StatusBadRequest
		}
		typeFilter = n
	}
	id, err := strconv.Atoi(r.PathValue("orgUnitId"))
	if err != nil {
		return http.StatusNotFound
	}
	s.mu.RLock()
	if _, ok := s.units[id]; !ok {
		s.mu.RUnlock()
		return http.StatusNotFound
	}
	seen := map[int]bool{id: true}
	queue := []int{id}
	var all []orgUnitJSON
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, c := range s.children[cur] {
			if seen[c] {
				continue
			}
			seen[c] = true
			queue = append(queue, c)
			if ou := s.units[c]; typeFilter == 0 || ou.Type == typeFilter {
				all = append(all, s.renderOrgUnit(ou))
			}
		}
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, page(all, pos, s.pageSize))
	return 0
}
