package fake

import (
	"cmp"
	"net/http"
	"strconv"
)

type durationJSON struct {
	Type string `json:"type"`
}

type courseAvailabilityJSON struct {
	Available string       `json:"available"`
	Duration  durationJSON `json:"duration"`
}

type courseJSON struct {
	ID           string                 `json:"id"`
	UUID         string                 `json:"uuid"`
	ExternalID   string                 `json:"externalId"`
	DataSourceID string                 `json:"dataSourceId"`
	CourseID     string                 `json:"courseId"`
	Name         string                 `json:"name"`
	Created      string                 `json:"created"`
	Organization bool                   `json:"organization"`
	TermID       string                 `json:"termId,omitempty"`
	Availability courseAvailabilityJSON `json:"availability"`
	ParentID     string                 `json:"parentId,omitempty"`
	HasChildren  bool                   `json:"hasChildren"`
}

func (s *Server) renderCourse(c *Course) courseJSON {
	return courseJSON{ID: c.ID, UUID: c.UUID, ExternalID: c.ExternalID, DataSourceID: c.DataSourceID, CourseID: c.CourseID,
		Name: c.Name, Created: created, Organization: c.Organization, TermID: c.TermID,
		Availability: courseAvailabilityJSON{c.Available, durationJSON{"Continuous"}}, ParentID: c.ParentID,
		HasChildren: len(s.children[c.ID]) > 0}
}

// coursesList answers GET /learn/api/public/v3/courses.
func (s *Server) coursesList(w http.ResponseWriter, r *http.Request) *apiError {
	s.count.coursePages.Add(1)
	q := r.URL.Query()
	offset, limit, aerr := s.window(q)
	if aerr != nil {
		return aerr
	}
	var org *bool
	if v := q.Get("organization"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return &apiError{code: http.StatusBadRequest, message: "Invalid organization: " + v}
		}
		org = &b
	}
	s.mu.RLock()
	termID, sourceID := q.Get("termId"), q.Get("dataSourceId")
	if termID != "" {
		if t := s.term(termID); t != nil {
			termID = t.ID
		}
	}
	if sourceID != "" {
		if ds := s.dataSource(sourceID); ds != nil {
			sourceID = ds.ID
		}
	}
	var all []courseJSON
	for _, id := range s.courseOrder {
		c := s.courses[id]
		if (termID != "" && c.TermID != termID) || (sourceID != "" && c.DataSourceID != sourceID) || (org != nil && c.Organization != *org) {
			continue
		}
		all = append(all, s.renderCourse(c))
	}
	s.mu.RUnlock()
	writeList(w, r, all, offset, limit, false)
	return nil
}

// courseGet answers GET /learn/api/public/v3/courses/{courseId}.
func (s *Server) courseGet(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.course(r.PathValue("courseId"))
	if c == nil {
		return &apiError{code: http.StatusNotFound, message: "Course not found: " + r.PathValue("courseId")}
	}
	writeJSON(w, http.StatusOK, s.renderCourse(c))
	return nil
}

// termGet answers GET /learn/api/public/v1/terms/{termId}.
func (s *Server) termGet(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.term(r.PathValue("termId"))
	if t == nil {
		return &apiError{code: http.StatusNotFound, message: "Term not found: " + r.PathValue("termId")}
	}
	writeJSON(w, http.StatusOK, struct {
		ID           string                 `json:"id"`
		ExternalID   string                 `json:"externalId"`
		Name         string                 `json:"name"`
		Availability courseAvailabilityJSON `json:"availability"`
	}{t.ID, t.ExternalID, t.Name, courseAvailabilityJSON{cmp.Or(t.Available, Yes), durationJSON{"Continuous"}}})
	return nil
}

// dataSourceGet answers GET /learn/api/public/v1/dataSources/{dataSourceId}.
func (s *Server) dataSourceGet(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ds := s.dataSource(r.PathValue("dataSourceId"))
	if ds == nil {
		return &apiError{code: http.StatusNotFound, message: "Data source not found: " + r.PathValue("dataSourceId")}
	}
	writeJSON(w, http.StatusOK, struct {
		ID          string `json:"id"`
		ExternalID  string `json:"externalId"`
		Description string `json:"description"`
	}{ds.ID, ds.ExternalID, ds.Description})
	return nil
}
