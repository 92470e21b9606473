package fake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// window reads offset and limit; an unreadable value is Learn's 400.
func (s *Server) window(q url.Values) (offset, limit int, aerr *apiError) {
	offset, limit = 0, DefaultLimit
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, &apiError{code: http.StatusBadRequest, message: "Invalid offset: " + v}
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, &apiError{code: http.StatusBadRequest, message: "Invalid limit: " + v}
		}
		limit = min(n, s.maxLimit)
	}
	return offset, limit, nil
}

// nextPage is the relative path of the page after [offset, offset+limit):
// the request's path and parameters with the offset moved on.
func nextPage(r *http.Request, offset, limit int) string {
	q := r.URL.Query()
	q.Set("offset", strconv.Itoa(offset+limit))
	q.Set("limit", strconv.Itoa(limit))
	return r.URL.Path + "?" + q.Encode()
}

// listPage is Learn's paged collection.
type listPage[T any] struct {
	Results []T     `json:"results"`
	Paging  *paging `json:"paging,omitempty"`
}

type paging struct {
	NextPage string `json:"nextPage"`
}

// writeList answers one page of all, whole or truncated.
func writeList[T any](w http.ResponseWriter, r *http.Request, all []T, offset, limit int, truncate bool) {
	end := min(offset+limit, len(all))
	page := listPage[T]{Results: []T{}}
	if offset < len(all) {
		page.Results = all[offset:end]
	}
	if end < len(all) {
		page.Paging = &paging{NextPage: nextPage(r, offset, limit)}
	}
	if truncate {
		b, _ := json.Marshal(page)
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b[:len(b)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusOK, page)
}
