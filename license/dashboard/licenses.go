package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// licenseRow is a license as the lists show it.
type licenseRow struct {
	license.License
	ExpiresIn string // "in 30 days", "expired", "" when it never expires
	Warn      bool   // expiring within 30 days or expired
	Full      bool   // every seat taken
	Free      int    // seats still open
}

func (s *server) rows(ls []license.License) []licenseRow {
	now := s.now()
	out := make([]licenseRow, len(ls))
	for i, l := range ls {
		r := licenseRow{License: l, Full: l.Seats > 0 && l.Used >= l.Seats, Free: l.Free()}
		switch {
		case l.Expires.IsZero():
		case l.Expired(now):
			r.ExpiresIn, r.Warn = "expired", true
		default:
			days := int(l.Expires.Sub(now).Hours() / 24)
			r.ExpiresIn = fmt.Sprintf("in %d %s", days, map[bool]string{true: "day", false: "days"}[days == 1])
			r.Warn = days <= 30
		}
		out[i] = r
	}
	return out
}

func (s *server) visibleLicenses(r *http.Request, v viewer) ([]license.License, error) {
	ls, err := s.acc.visible(r.Context(), v)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ls, func(a, b license.License) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return ls, nil
}

type licensesPage struct {
	Licenses []licenseRow
	Seats    int
	Used     int
}

func (s *server) licensesPage(w http.ResponseWriter, r *http.Request, v viewer) {
	ls, err := s.visibleLicenses(r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := licensesPage{Licenses: s.rows(ls)}
	for _, l := range ls {
		p.Seats += l.Seats
		p.Used += l.Used
	}
	s.render(w, r, http.StatusOK, "licenses", view{Title: "Licenses", Section: "licenses", Viewer: v, Page: p})
}

type newLicensePage struct {
	Types  []license.Type
	Form   licenseForm
	Error  string
	Field  string
	Domain bool
}

type licenseForm struct {
	Name, Type, Seats, Expires, Domains, Admins string
}

func (s *server) newLicensePage(w http.ResponseWriter, r *http.Request, v viewer) {
	if !v.Operator() {
		s.forbidden(w, r, v, "Only operators create licenses.")
		return
	}
	s.render(w, r, http.StatusOK, "license_new", view{Title: "New license", Section: "licenses", Viewer: v,
		Page: newLicensePage{Types: license.Types, Form: licenseForm{Type: string(license.TypeSchool), Seats: "100"}}})
}

func (s *server) createLicense(w http.ResponseWriter, r *http.Request, v viewer) {
	if !v.Operator() {
		s.forbidden(w, r, v, "Only operators create licenses.")
		return
	}
	f := licenseForm{
		Name: r.PostFormValue("name"), Type: r.PostFormValue("type"), Seats: r.PostFormValue("seats"),
		Expires: r.PostFormValue("expires"), Domains: r.PostFormValue("domains"), Admins: r.PostFormValue("admins"),
	}
	bad := func(field, msg string) {
		s.render(w, r, http.StatusUnprocessableEntity, "license_new", view{Title: "New license", Section: "licenses", Viewer: v,
			Page: newLicensePage{Types: license.Types, Form: f, Error: msg, Field: field}})
	}
	now := s.now()
	l := license.License{Name: f.Name, Type: license.Type(f.Type), Created: now, Domains: splitList(f.Domains), Admins: splitList(f.Admins)}
	seats, err := strconv.Atoi(strings.TrimSpace(f.Seats))
	if err != nil || seats < 0 {
		bad("seats", "Seats must be a whole number, 0 or more.")
		return
	}
	l.Seats = seats
	if strings.TrimSpace(f.Expires) != "" {
		exp, err := time.Parse(time.DateOnly, strings.TrimSpace(f.Expires))
		if err != nil {
			bad("expires", "Expires must be a date such as 2027-06-30.")
			return
		}
		l.Expires = exp
	}
	plain, key := license.NewKey(now)
	l.Key = key
	created, err := s.store.CreateLicense(r.Context(), l)
	var fe *license.FieldError
	if errors.As(err, &fe) {
		bad(fe.Field, "Check "+fe.Error()+".")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("license created from the dashboard", "license", created.ID, "actor", v.Email)
	s.renderDetails(w, r, v, auth.Grant{License: created, Access: auth.AccessOperator}, plain,
		&flash{Kind: "success", Message: "License " + created.Name + " created. Copy its key now: it is shown only once."})
}

// splitList reads "a, b c\nd" as [a b c d].
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// tabs is the Manage view's tab bar.
type tabs struct {
	License license.License
	Current string
	Manage  bool // may change the license (license admin, operator)
	Members bool // may add and remove members (also a domain admin, in their domains)
}

func tabsOf(g auth.Grant, current string) tabs {
	return tabs{License: g.License, Current: current, Manage: g.Access >= auth.AccessLicense, Members: g.Access >= auth.AccessDomain}
}

type detailsPage struct {
	Tabs    tabs
	Row     licenseRow
	NewKey  string // shown once, right after a rotation or creation
	Created time.Time
}

func (s *server) detailsPage(w http.ResponseWriter, r *http.Request, v viewer) {
	_, g, ok := s.licenseFor(w, r, v, needRead)
	if !ok {
		return
	}
	s.renderDetails(w, r, v, g, "", nil)
}

func (s *server) renderDetails(w http.ResponseWriter, r *http.Request, v viewer, g auth.Grant, newKey string, fl *flash) {
	s.render(w, r, http.StatusOK, "details", view{Title: g.License.Name, Section: "licenses", Viewer: v, Flash: fl, Page: detailsPage{
		Tabs: tabsOf(g, "details"), Row: s.rows([]license.License{g.License})[0], NewKey: newKey,
	}})
}

func (s *server) rotateKey(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needManage)
	if !ok {
		return
	}
	had := l.Key.Prefix != ""
	plain, l, err := license.RotateKey(r.Context(), s.store, l.ID, v.Email, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("license key rotated from the dashboard", "license", l.ID, "actor", v.Email, "first", !had)
	// The response itself shows the key; a reload or the back button
	// shows only its prefix again.
	g.License = l
	msg := "New key made. The old key no longer works."
	if !had {
		msg = "Key created. Share it with the people who should join."
	}
	s.renderDetails(w, r, v, g, plain, &flash{Kind: "success", Message: msg})
}
