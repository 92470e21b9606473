package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// me tells the caller who they are and what they reach.
func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	out := map[string]any{"principal": p}
	if p.Role != auth.RoleApplication {
		ds, err := s.store.AdminDomains(r.Context(), p.Email)
		if err != nil {
			return err
		}
		gs, err := s.az.VisibleGrants(r.Context(), p)
		if err != nil {
			return err
		}
		access := map[string]string{}
		for _, g := range gs {
			access[g.License.ID] = accessName(g.Access)
		}
		if ds == nil {
			ds = []string{}
		}
		out["domains"], out["licenses"] = ds, access
	}
	writeJSON(w, 200, out)
	return nil
}

// createSession signs a browser in with an API token: the token is
// checked and a session cookie set; the token itself is not kept in the
// browser. Application tokens cannot sign in to the dashboard.
func (s *server) createSession(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.auth.Authenticate(r.Context(), in.Token)
	if err != nil {
		var ce *auth.CredentialError
		if errors.As(err, &ce) {
			return &apiError{Status: 401, Code: CodeUnauthenticated, Field: "token", Message: "the token is " + ce.Reason}
		}
		return err
	}
	if p.Role == auth.RoleApplication {
		return fmt.Errorf("application tokens cannot sign in to the dashboard: %w", auth.ErrForbidden)
	}
	v, err := s.auth.CreateSession(r.Context(), p, s.ttl)
	if err != nil {
		return err
	}
	http.SetCookie(w, auth.SessionCookie(v, auth.IsTLS(r), s.ttl))
	p.Via = auth.ViaSession
	writeJSON(w, 200, map[string]any{"principal": p})
	return nil
}

// deleteSession signs the browser out.
func (s *server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	tls := auth.IsTLS(r)
	if c, err := r.Cookie(auth.CookieName(tls)); err == nil && c.Value != "" {
		if err := s.auth.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, auth.SessionCookie("", tls, 0))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) oidcLogin(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errorf(404, CodeNotConfigured, "OpenID Connect sign-in is not configured")
	}
	return s.oidc.Start(w, r, r.URL.Query().Get("return"))
}

func (s *server) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errorf(404, CodeNotConfigured, "OpenID Connect sign-in is not configured")
	}
	p, ret, err := s.oidc.Finish(w, r)
	if err != nil {
		s.log.Info("oidc sign-in refused", "err", err)
		return err
	}
	s.log.Info("signed in", "email", p.Email, "role", p.Role, "via", p.Via)
	http.Redirect(w, r, ret, http.StatusFound)
	return nil
}
