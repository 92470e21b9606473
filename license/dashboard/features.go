package dashboard

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

type featureLicense struct {
	License  license.License
	Features []featureSwitch
	Manage   bool
}

type featureSwitch struct {
	Name string
	On   bool
}

type featuresPage struct {
	Licenses []featureLicense
	// Lookup answers "what may this person use?" over the licenses the
	// viewer can see.
	LookupEmail string
	LookupError string
	Lookup      *license.Entitlement
}

func (s *server) featuresPage(w http.ResponseWriter, r *http.Request, v viewer) {
	ls, err := s.visibleLicenses(r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := featuresPage{}
	for _, l := range ls {
		fl := featureLicense{License: l, Manage: s.acc.canManage(r.Context(), v, l.ID)}
		for _, name := range slices.Sorted(maps.Keys(l.Features)) {
			fl.Features = append(fl.Features, featureSwitch{Name: name, On: l.Features[name]})
		}
		p.Licenses = append(p.Licenses, fl)
	}
	if e := strings.TrimSpace(r.URL.Query().Get("email")); e != "" {
		p.LookupEmail = e
		if n, err := license.NormalizeEmail(e); err != nil {
			p.LookupError = fmt.Sprintf("%q is not a valid email address.", e)
		} else if ent, err := s.store.Entitlement(r.Context(), n); err != nil {
			s.fail(w, r, err)
			return
		} else {
			// Only what the viewer may see of it.
			visible := map[string]bool{}
			for _, l := range ls {
				visible[l.ID] = true
			}
			ent.Licenses = slices.DeleteFunc(ent.Licenses, func(g license.Grant) bool { return !visible[g.License] })
			ent.Features = map[string]bool{}
			for _, g := range ent.Licenses {
				for f, on := range g.Features {
					ent.Features[f] = ent.Features[f] || on
				}
			}
			p.Lookup = &ent
		}
	}
	s.render(w, r, http.StatusOK, "features", view{Title: "Feature permissions", Section: "features", Viewer: v, Page: p})
}

func (s *server) setFeatures(w http.ResponseWriter, r *http.Request, v viewer) {
	l, _, ok := s.licenseFor(w, r, v, needManage)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	want := map[string]bool{}
	for _, name := range r.PostForm["feature"] {
		want[name] = false
	}
	for _, name := range r.PostForm["on"] {
		want[name] = true
	}
	if n := strings.ToLower(strings.TrimSpace(r.PostFormValue("new"))); n != "" {
		want[n] = true
	}
	_, err := s.store.UpdateLicense(r.Context(), l.ID, v.Email, func(l *license.License) error {
		if l.Features == nil {
			l.Features = map[string]bool{}
		}
		maps.Copy(l.Features, want)
		return l.Normalize()
	})
	var fe *license.FieldError
	switch {
	case errors.As(err, &fe):
		redirect(w, r, "/features#lic-"+l.ID, "error", "Not saved: "+fe.Error()+".")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/features#lic-"+l.ID, "success", "Feature permissions of "+l.Name+" saved.")
}
