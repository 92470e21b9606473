package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

// Roles of a signed-in person, as license/auth names them.
const (
	roleOperator    = "operator"
	roleAdmin       = "admin"
	roleApplication = "application"
)

// viewer is the signed-in person a page is rendered for.
type viewer struct {
	Email string
	Role  string
}

// Operator reports whether the viewer runs Rollcall (sees everything).
func (v viewer) Operator() bool { return v.Role == roleOperator }

// Initials are shown in the avatar of the top bar.
func (v viewer) Initials() string {
	local, _, _ := strings.Cut(v.Email, "@")
	var out []rune
	for _, part := range strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
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

// errDenied is what access returns when the viewer may not do something;
// errSignIn when nobody is signed in or the token is wrong.
var (
	errDenied = errors.New("not allowed")
	errSignIn = errors.New("not signed in")
)

// access is everything the dashboard asks of authentication and
// authorization; newAccess builds it over license/auth.
type access interface {
	// wrap authenticates the session cookie of every request, so that
	// viewer can find who is signed in.
	wrap(next http.Handler) http.Handler
	viewer(ctx context.Context) (viewer, bool)
	// signIn checks an API token and starts a session, returning its cookie.
	signIn(ctx context.Context, token string, secure bool) (*http.Cookie, viewer, error)
	// signOut ends the request's session and returns the cookie clearing it.
	signOut(r *http.Request, secure bool) *http.Cookie
	visible(ctx context.Context, v viewer) ([]license.License, error)
	canRead(ctx context.Context, v viewer, id string) error
	canManage(ctx context.Context, v viewer, id string) error
	// memberScope narrows a license's members to those the viewer may see;
	// nil means all of them.
	memberScope(ctx context.Context, v viewer, id string) (license.Filter, error)
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
		if v.Role == roleApplication {
			s.forbidden(w, r, v, "This account is an application's: it can look up entitlements and redeem keys through the API, but has no dashboard.")
			return
		}
		h(w, r, v)
	}
}

// licenseFor loads the license of the request's {id} if the viewer may see
// it (and, with manage, manage it). Otherwise it writes the answer — 404
// for a license they may not see, exactly as for one that does not exist —
// and returns false.
func (s *server) licenseFor(w http.ResponseWriter, r *http.Request, v viewer, manage bool) (license.License, bool) {
	id := r.PathValue("id")
	ctx := r.Context()
	if err := s.acc.canRead(ctx, v, id); err != nil {
		if errors.Is(err, errDenied) || errors.Is(err, license.ErrNotFound) {
			s.notFound(w, r, v)
		} else {
			s.fail(w, r, err)
		}
		return license.License{}, false
	}
	l, err := s.store.GetLicense(ctx, id)
	if errors.Is(err, license.ErrNotFound) {
		s.notFound(w, r, v)
		return license.License{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return license.License{}, false
	}
	if manage {
		if err := s.acc.canManage(ctx, v, id); err != nil {
			if errors.Is(err, errDenied) {
				s.forbidden(w, r, v, "You can see this license but not change it. Ask one of its admins: "+strings.Join(l.Admins, ", ")+".")
			} else {
				s.fail(w, r, err)
			}
			return license.License{}, false
		}
	}
	return l, true
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/signin") {
		return "/licenses"
	}
	return next
}
