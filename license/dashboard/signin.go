package dashboard

import (
	"errors"
	"net/http"

	"github.com/rollcall-sync/rollcall/license/auth"
)

type signInPage struct {
	Next      string
	Error     string
	OIDCLogin string
	OIDCName  string
}

func (s *server) signInPage(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.acc.viewer(r.Context()); ok && v.Role != auth.RoleApplication {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Page: signInPage{
		Next: safeNext(r.URL.Query().Get("next")), OIDCLogin: s.oidcLogin, OIDCName: s.oidcName,
	}})
}

func (s *server) signIn(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	token := r.PostFormValue("token")
	page := signInPage{Next: next, OIDCLogin: s.oidcLogin, OIDCName: s.oidcName}
	if token == "" {
		page.Error = "Paste an API token to sign in."
		s.render(w, r, http.StatusUnprocessableEntity, "signin", view{Title: "Sign in", Page: page})
		return
	}
	c, v, err := s.acc.signIn(r.Context(), token, auth.IsTLS(r), s.sessionTTL)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		// The token is never logged or echoed.
		s.log.Info("dashboard sign-in refused", "remote", r.RemoteAddr)
		page.Error = "That token is not valid, has expired or was revoked."
		s.render(w, r, http.StatusUnauthorized, "signin", view{Title: "Sign in", Page: page})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	case v.Role == auth.RoleApplication:
		page.Error = "That token belongs to an application, which has no dashboard. Sign in with a person's token."
		s.render(w, r, http.StatusForbidden, "signin", view{Title: "Sign in", Page: page})
		return
	}
	http.SetCookie(w, c)
	s.log.Info("dashboard sign-in", "email", v.Email, "role", v.Role)
	redirect(w, r, next, "success", "Signed in as "+v.Email+".")
}

func (s *server) signOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.acc.signOut(r, auth.IsTLS(r)))
	redirect(w, r, "/signin", "info", "You have signed out.")
}
