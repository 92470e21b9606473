package httpapi

import (
	"net/http"

	"github.com/rollcall-sync/rollcall/license/auth"
)

func (s *server) listTokens(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := s.az.CanOperate(p); err != nil {
		return err
	}
	ts, err := s.auth.ListTokens(r.Context())
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []auth.Token{}
	}
	writeJSON(w, 200, map[string]any{"tokens": ts})
	return nil
}

// createToken answers with the token itself, the only time it is shown.
func (s *server) createToken(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := s.az.CanOperate(p); err != nil {
		return err
	}
	var in struct {
		Email string    `json:"email"`
		Role  auth.Role `json:"role"`
		TTL   string    `json:"ttl"` // 90d, 12h, 0 = never expires
		Note  string    `json:"note"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ttl, err := auth.ParseTTL(in.TTL)
	if err != nil {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "ttl", Message: err.Error()}
	}
	plain, t, err := s.auth.CreateToken(r.Context(), in.Email, in.Role, ttl, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, 201, map[string]any{"token": plain, "info": t})
	return nil
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := s.az.CanOperate(p); err != nil {
		return err
	}
	if err := s.auth.Revoke(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
