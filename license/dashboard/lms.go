package dashboard

import (
	"net/http"

	"github.com/rollcall-sync/rollcall/license"
)

type lmsPage struct {
	Licenses []license.License
}

// lmsPage shows each visible license's primary LMS: vendor, where, link
// state, last sync and last error.
func (s *server) lmsPage(w http.ResponseWriter, r *http.Request, v viewer) {
	ls, err := s.visibleLicenses(r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "lms", view{Title: "Learning Management Systems", Section: "lms", Viewer: v, Page: lmsPage{Licenses: ls}})
}
