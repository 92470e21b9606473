package httpapi

import (
	"net/http"

	"github.com/rollcall-sync/rollcall/license"
)

// entitlement answers an application's sign-in question: which licenses
// hold this email and which features they add up to. It is the hot path:
// one token check and one store read.
func (s *server) entitlement(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := s.az.CanLookUp(p); err != nil {
		return err
	}
	ent, err := s.store.Entitlement(r.Context(), r.PathValue("email"))
	if err != nil {
		return err
	}
	if ent.Licenses == nil {
		ent.Licenses = []license.Grant{}
	}
	if ent.Features == nil {
		ent.Features = map[string]bool{}
	}
	writeJSON(w, 200, ent)
	return nil
}

// redeem puts an email on the license whose key it is. The answer names
// the license, never its key.
func (s *server) redeem(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := s.az.CanLookUp(p); err != nil {
		return err
	}
	var in struct {
		Key   string `json:"key"`
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Key == "" {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "key", Message: "key is required"}
	}
	l, err := license.Redeem(r.Context(), s.store, in.Key, in.Email, s.now())
	if err != nil {
		return err
	}
	e, _ := license.NormalizeEmail(in.Email)
	writeJSON(w, 200, map[string]any{"email": e, "license": map[string]any{"id": l.ID, "name": l.Name, "type": l.Type, "features": l.Features}})
	return nil
}
