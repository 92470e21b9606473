package httpapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// myDomains lists the domains the caller administers.
func (s *server) myDomains(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if p.Role == auth.RoleApplication {
		return fmt.Errorf("applications administer no domains: %w", auth.ErrForbidden)
	}
	ds, err := s.store.AdminDomains(r.Context(), p.Email)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []string{}
	}
	writeJSON(w, 200, map[string]any{"domains": ds})
	return nil
}

// domainPath reads and normalizes {domain}.
func domainPath(r *http.Request) (string, error) {
	return license.NormalizeDomain(r.PathValue("domain"))
}

// domainAdmins lists a domain's admins: operators, and the domain's own admins.
func (s *server) domainAdmins(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	d, err := domainPath(r)
	if err != nil {
		return err
	}
	if err := s.az.CanOperate(p); err != nil {
		mine, derr := s.store.AdminDomains(r.Context(), p.Email)
		if derr != nil {
			return derr
		}
		if p.Role != auth.RoleAdmin || !slices.Contains(mine, d) {
			return err
		}
	}
	as, err := s.store.DomainAdmins(r.Context(), d)
	if err != nil {
		return err
	}
	if as == nil {
		as = []string{}
	}
	writeJSON(w, 200, map[string]any{"domain": d, "admins": as})
	return nil
}

func (s *server) domainAdminArgs(r *http.Request) (auth.Principal, string, string, error) {
	p, err := principal(r)
	if err != nil {
		return p, "", "", err
	}
	if err := s.az.CanOperate(p); err != nil {
		return p, "", "", err
	}
	d, err := domainPath(r)
	if err != nil {
		return p, "", "", err
	}
	e, err := license.NormalizeEmail(r.PathValue("email"))
	if err != nil {
		return p, "", "", err
	}
	return p, d, e, nil
}

func (s *server) getDomainAdmin(w http.ResponseWriter, r *http.Request) error {
	_, d, e, err := s.domainAdminArgs(r)
	if err != nil {
		return err
	}
	as, err := s.store.DomainAdmins(r.Context(), d)
	if err != nil {
		return err
	}
	if !slices.Contains(as, e) {
		return fmt.Errorf("%s is not an admin of %s: %w", e, d, license.ErrNotFound)
	}
	writeJSON(w, 200, map[string]any{"domain": d, "email": e, "admin": true})
	return nil
}

func (s *server) putDomainAdmin(w http.ResponseWriter, r *http.Request) error {
	p, d, e, err := s.domainAdminArgs(r)
	if err != nil {
		return err
	}
	if err := s.store.SetDomainAdmin(r.Context(), d, e, true); err != nil {
		return err
	}
	s.log.Info("domain admin added", "domain", d, "email", e, "by", p.Email)
	writeJSON(w, 200, map[string]any{"domain": d, "email": e, "admin": true})
	return nil
}

func (s *server) deleteDomainAdmin(w http.ResponseWriter, r *http.Request) error {
	p, d, e, err := s.domainAdminArgs(r)
	if err != nil {
		return err
	}
	if err := s.store.SetDomainAdmin(r.Context(), d, e, false); err != nil {
		return err
	}
	s.log.Info("domain admin removed", "domain", d, "email", e, "by", p.Email)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
