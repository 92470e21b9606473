package dashboard

import (
	"errors"
	"net/http"
	"slices"

	"github.com/rollcall-sync/rollcall/license"
)

type domainRow struct {
	Domain   string
	Admins   []string
	Licenses []licenseRow
}

type domainsPage struct {
	Domains []domainRow
	// All: an operator sees every domain a license is deployed to.
	All bool
}

// domainsPage lists the domains the viewer administers (every deployed
// domain, for an operator) with the licenses deployed to each.
func (s *server) domainsPage(w http.ResponseWriter, r *http.Request, v viewer) {
	ctx := r.Context()
	mine, err := s.store.AdminDomains(ctx, v.Email)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ls, err := s.visibleLicenses(r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	domains := slices.Clone(mine)
	if v.Operator() {
		for _, l := range ls {
			domains = append(domains, l.Domains...)
		}
		slices.Sort(domains)
		domains = slices.Compact(domains)
	}
	p := domainsPage{All: v.Operator()}
	for _, d := range domains {
		admins, err := s.store.DomainAdmins(ctx, d)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var deployed []license.License
		for _, l := range ls {
			if slices.Contains(l.Domains, d) {
				deployed = append(deployed, l)
			}
		}
		p.Domains = append(p.Domains, domainRow{Domain: d, Admins: admins, Licenses: s.rows(deployed)})
	}
	s.render(w, r, http.StatusOK, "domains", view{Title: "Domains", Section: "domains", Viewer: v, Page: p})
}

// setDomainAdmin assigns (action=add) or removes (action=remove) a domain
// admin, as PUT and DELETE /api/v1/domains/{domain}/admins/{email} do:
// operators only.
func (s *server) setDomainAdmin(w http.ResponseWriter, r *http.Request, v viewer) {
	if err := s.acc.authz.CanOperate(v.Principal); err != nil {
		s.forbidden(w, r, v, "Only operators assign domain admins.")
		return
	}
	domain, derr := license.NormalizeDomain(r.PostFormValue("domain"))
	email, eerr := license.NormalizeEmail(r.PostFormValue("email"))
	if err := errors.Join(derr, eerr); err != nil {
		redirect(w, r, "/domains", "error", "Not changed: "+err.Error()+".")
		return
	}
	add := r.PostFormValue("action") != "remove"
	if err := s.store.SetDomainAdmin(r.Context(), domain, email, add); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("domain admin changed from the dashboard", "domain", domain, "email", email, "admin", add, "actor", v.Email)
	msg := email + " is now a domain admin of " + domain + "."
	if !add {
		msg = email + " is no longer a domain admin of " + domain + "."
	}
	redirect(w, r, "/domains", "success", msg)
}
