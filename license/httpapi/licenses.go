package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

func (s *server) listLicenses(w http.ResponseWriter, r *http.Request) error {
	gs, err := s.visibleGrants(r)
	if err != nil {
		return err
	}
	now := s.now()
	out := make([]licenseView, len(gs))
	for i, g := range gs {
		out[i] = viewOf(g.License, g.Access, now)
	}
	writeJSON(w, 200, map[string]any{"licenses": out})
	return nil
}

func (s *server) getLicense(w http.ResponseWriter, r *http.Request) error {
	_, _, g, err := s.grantedLicense(r)
	if err != nil {
		return err
	}
	writeJSON(w, 200, viewOf(g.License, g.Access, s.now()))
	return nil
}

// licenseInput is the body of POST /licenses.
type licenseInput struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Type     license.Type    `json:"type"`
	Seats    int             `json:"seats"`
	Expires  string          `json:"expires"` // 2027-06-30 or RFC 3339
	Domains  []string        `json:"domains"`
	Admins   []string        `json:"admins"`
	Features map[string]bool `json:"features"`
	LMS      *lmsInput       `json:"lms"`
}

type lmsInput struct {
	Vendor    string `json:"vendor"`
	BaseURL   string `json:"base_url"`
	Connector string `json:"connector"`
}

func parseExpires(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &license.FieldError{Field: "expires", Value: s, Reason: "must be a date such as 2027-06-30"}
	}
	return t, nil
}

func (s *server) createLicense(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := s.az.CanOperate(p); err != nil {
		return err
	}
	var in licenseInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	exp, err := parseExpires(in.Expires)
	if err != nil {
		return err
	}
	now := s.now()
	plain, key := license.NewKey(now)
	l := license.License{ID: in.ID, Name: in.Name, Type: in.Type, Seats: in.Seats, Expires: exp,
		Domains: in.Domains, Admins: in.Admins, Features: in.Features, Key: key}
	if in.LMS != nil {
		l.LMS = license.LMS{Vendor: in.LMS.Vendor, BaseURL: in.LMS.BaseURL, Connector: in.LMS.Connector}
	}
	l, err = s.store.CreateLicense(r.Context(), l)
	if err != nil {
		return err
	}
	s.log.Info("license created", "license", l.ID, "by", p.Email)
	writeJSON(w, 201, map[string]any{"license": viewOf(l, auth.AccessOperator, now), "key": plain})
	return nil
}

// licensePatch is the body of PATCH /licenses/{id}; absent fields stay.
// Expiry and domains are the contract and the reach of the license, so
// only operators change them; its admins change the rest.
type licensePatch struct {
	Name    *string   `json:"name"`
	Seats   *int      `json:"seats"`
	Expires *string   `json:"expires"` // "" clears
	Domains *[]string `json:"domains"`
	Admins  *[]string `json:"admins"`
	LMS     *lmsInput `json:"lms"`
}

func (s *server) patchLicense(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.managedLicense(r)
	if err != nil {
		return err
	}
	var in licensePatch
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if (in.Expires != nil || in.Domains != nil) && p.Role != auth.RoleOperator {
		return fmt.Errorf("only operators change a license's expiry and domains: %w", auth.ErrForbidden)
	}
	var exp time.Time
	if in.Expires != nil {
		if exp, err = parseExpires(*in.Expires); err != nil {
			return err
		}
	}
	l, err := s.store.UpdateLicense(r.Context(), id, actor(p), func(l *license.License) error {
		if in.Name != nil {
			l.Name = *in.Name
		}
		if in.Seats != nil {
			l.Seats = *in.Seats
		}
		if in.Expires != nil {
			l.Expires = exp
		}
		if in.Domains != nil {
			l.Domains = *in.Domains
		}
		if in.Admins != nil {
			l.Admins = *in.Admins
		}
		if in.LMS != nil {
			l.LMS.Vendor, l.LMS.BaseURL, l.LMS.Connector = in.LMS.Vendor, in.LMS.BaseURL, in.LMS.Connector
		}
		return l.Normalize()
	})
	if err != nil {
		return err
	}
	g, err := s.az.Grant(r.Context(), p, id) // access may have changed with the admins
	if err != nil {
		writeJSON(w, 200, viewOf(l, auth.AccessNone, s.now()))
		return nil
	}
	writeJSON(w, 200, viewOf(g.License, g.Access, s.now()))
	return nil
}

func (s *server) deleteLicense(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := s.az.CanOperate(p); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.store.DeleteLicense(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("license deleted", "license", id, "by", p.Email)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) rotateKey(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.managedLicense(r)
	if err != nil {
		return err
	}
	plain, l, err := license.RotateKey(r.Context(), s.store, id, actor(p), s.now())
	if err != nil {
		return err
	}
	s.log.Info("license key rotated", "license", id, "by", p.Email, "key_prefix", l.Key.Prefix)
	writeJSON(w, 200, map[string]any{"license": viewOf(l, auth.AccessLicense, s.now()), "key": plain})
	return nil
}

func (s *server) getFeatures(w http.ResponseWriter, r *http.Request) error {
	_, _, g, err := s.grantedLicense(r)
	if err != nil {
		return err
	}
	writeJSON(w, 200, featuresOf(g.License))
	return nil
}

// featuresOf is the body of the features routes: {} rather than null
// when the license sets none.
func featuresOf(l license.License) map[string]any {
	f := l.Features
	if f == nil {
		f = map[string]bool{}
	}
	return map[string]any{"features": f}
}

func (s *server) putFeatures(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.managedLicense(r)
	if err != nil {
		return err
	}
	var in struct {
		Features map[string]bool `json:"features"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.store.UpdateLicense(r.Context(), id, actor(p), func(l *license.License) error {
		l.Features = in.Features
		return l.Normalize()
	})
	return answer(w, featuresOf(l), err)
}
