package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// viewer is the signed-in person a page is rendered for.
type viewer struct {
	auth.Principal
}

// Operator reports whether the viewer runs Rollcall (sees everything).
func (v viewer) Operator() bool { return v.Role == auth.RoleOperator }

// Initials are shown in the avatar of the menu.
func (v viewer) Initials() string {
	local, _, _ := strings.Cut(v.Email, "@")
	var out []rune
	for _, part := range strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' }) {
		for _, r := range part {
			out = append(out, []rune(strings.ToUpper(string(r)))...)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// access is the dashboard's door: it authenticates through license/auth
// and asks auth.Authorizer, the same one the API asks, what each person
// may see and change.
type access struct {
	sessions *auth.Store
	authz    auth.Authorizer
}

func newAccess(sessions *auth.Store, store license.Store) access {
	return access{sessions: sessions, authz: auth.Authorizer{Store: store}}
}

// wrap authenticates the session cookie of every request.
func (a access) wrap(next http.Handler) http.Handler { return auth.Middleware(a.sessions, next) }

func (a access) viewer(ctx context.Context) (viewer, bool) {
	p, ok := auth.FromContext(ctx)
	return viewer{p}, ok
}

// signIn checks an API token and starts a session, returning its cookie.
func (a access) signIn(ctx context.Context, token string, secure bool, ttl time.Duration) (*http.Cookie, viewer, error) {
	p, err := a.sessions.Authenticate(ctx, strings.TrimSpace(token))
	if err != nil {
		return nil, viewer{}, err
	}
	if p.Role == auth.RoleApplication {
		return nil, viewer{p}, nil
	}
	value, err := a.sessions.CreateSession(ctx, p, ttl)
	if err != nil {
		return nil, viewer{}, err
	}
	return auth.SessionCookie(value, secure, ttl), viewer{p}, nil
}

// signOut ends the request's session and returns the cookie clearing it.
func (a access) signOut(r *http.Request, secure bool) *http.Cookie {
	if c, err := r.Cookie(auth.CookieName(secure)); err == nil && c.Value != "" {
		_ = a.sessions.DeleteSession(r.Context(), c.Value)
	}
	return auth.SessionCookie("", secure, 0)
}

func (a access) visible(ctx context.Context, v viewer) ([]license.License, error) {
	return a.authz.VisibleLicenses(ctx, v.Principal)
}

func (a access) grant(ctx context.Context, v viewer, id string) (auth.Grant, error) {
	return a.authz.Grant(ctx, v.Principal, id)
}

func (a access) canManage(ctx context.Context, v viewer, id string) bool {
	return a.authz.CanManageLicense(ctx, v.Principal, id) == nil
}

// handlerFunc is a handler for a signed-in person.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v viewer)

// user makes a page need a signed-in person: anyone else goes to the
// sign-in page and comes back; an application token has no dashboard.
func (s *server) user(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.acc.viewer(r.Context())
		if !ok {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/licenses"
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		if v.Role == auth.RoleApplication {
			s.forbidden(w, r, v, "This account is an application's: it can look up entitlements and redeem keys through the API, but has no dashboard.")
			return
		}
		h(w, r, v)
	}
}

// need is how much of a license a page needs.
type need int

const (
	needRead    need = iota // see the license
	needMembers             // add and remove members (a domain admin, within their domains)
	needManage              // change the license itself
)

// licenseFor loads the license of the request's {id} if the viewer has
// the access the page needs. Otherwise it writes the answer — 404 for a
// license they may not see, exactly as for one that does not exist; 403
// for one they see but may not change — and returns false.
func (s *server) licenseFor(w http.ResponseWriter, r *http.Request, v viewer, n need) (license.License, auth.Grant, bool) {
	g, err := s.acc.grant(r.Context(), v, r.PathValue("id"))
	switch {
	case errors.Is(err, license.ErrNotFound), errors.Is(err, auth.ErrForbidden), errors.Is(err, auth.ErrUnauthenticated):
		s.notFound(w, r, v)
		return license.License{}, g, false
	case err != nil:
		s.fail(w, r, err)
		return license.License{}, g, false
	}
	if (n == needManage && g.Access < auth.AccessLicense) || (n == needMembers && g.Access < auth.AccessDomain) {
		s.forbidden(w, r, v, "You can see this license but not change it. Ask one of its admins: "+strings.Join(g.License.Admins, ", ")+".")
		return license.License{}, g, false
	}
	return g.License, g, true
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/signin") {
		return "/licenses"
	}
	return next
}
