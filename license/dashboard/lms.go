package dashboard

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

type lmsPage struct {
	Rows []lmsRow
	// Connectors are the LMS connectors a license may be linked to; empty
	// when the server runs no syncs or has none.
	Connectors []license.ConnectorView
	Manages    bool // the viewer manages at least one license
}

type lmsRow struct {
	license.License
	Manage bool // the viewer may link it (a license admin or operator)
}

// lmsPage shows each visible license's primary LMS: vendor, where, link
// state, last sync and last error; those who manage a license may link it.
func (s *server) lmsPage(w http.ResponseWriter, r *http.Request, v viewer) {
	ls, err := s.visibleLicenses(r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := lmsPage{}
	if linker, ok := s.syncs.(license.LMSLinker); ok {
		if p.Connectors, err = linker.LMSConnectors(r.Context()); err != nil {
			s.log.Warn("list LMS connectors", "err", err)
		}
	}
	for _, l := range ls {
		row := lmsRow{License: l, Manage: s.acc.canManage(r.Context(), v, l.ID)}
		p.Manages = p.Manages || row.Manage
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, "lms", view{Title: "Learning Management Systems", Section: "lms", Viewer: v, Page: p})
}

// linkLMS links a license to an LMS connector, as "rollcall lms link"
// does: it tests the link with one call, creates the deployment and runs
// the first sync. Only those who manage the license may (the check of
// PATCH /api/v1/licenses/{id}, which also sets the LMS).
func (s *server) linkLMS(w http.ResponseWriter, r *http.Request, v viewer) {
	l, _, ok := s.licenseFor(w, r, v, needManage)
	if !ok {
		return
	}
	linker, ok := s.syncs.(license.LMSLinker)
	if !ok {
		s.notFound(w, r, v)
		return
	}
	conns, err := linker.LMSConnectors(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	connector := r.PostFormValue("connector")
	if !slices.ContainsFunc(conns, func(c license.ConnectorView) bool { return c.Name == connector }) {
		redirect(w, r, "/lms", "error", fmt.Sprintf("Not linked: %q is not an LMS connector of this server.", connector))
		return
	}
	var units []string
	for _, u := range strings.FieldsFunc(r.PostFormValue("units"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		units = append(units, strings.TrimSpace(u))
	}
	_, run, err := linker.LinkLMS(r.Context(), license.LinkLMSRequest{License: l.ID, Connector: connector, Units: units, Actor: v.Email})
	if err != nil {
		s.log.Info("LMS link refused", "license", l.ID, "connector", connector, "actor", v.Email, "err", err)
		redirect(w, r, "/lms", "error", "Not linked: "+err.Error())
		return
	}
	s.log.Info("license linked to its LMS from the dashboard", "license", l.ID, "connector", connector, "actor", v.Email)
	redirect(w, r, "/lms", "success", fmt.Sprintf("%s is linked to %s. First sync: %s, %d added.", l.Name, connector, run.Result, run.Added))
}
