package httpapi

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// Prefix is where the server mounts the API.
const Prefix = "/api/v1"

// Options are the API's dependencies.
type Options struct {
	Store license.Store
	Auth  *auth.Store
	// Syncs is the sync side; nil answers the sync routes with not_configured.
	Syncs  license.Syncs
	Logger *slog.Logger
	Now    func() time.Time
	// OIDC enables /oidc/login and /oidc/callback; nil answers them with not_configured.
	OIDC *auth.OIDC
	// SessionTTL is how long a token sign-in session lasts; zero is 12 hours.
	SessionTTL time.Duration
}

type server struct {
	store license.Store
	auth  *auth.Store
	az    auth.Authorizer
	syncs license.Syncs
	oidc  *auth.OIDC
	log   *slog.Logger
	now   func() time.Time
	ttl   time.Duration
}

// handlerFunc is a handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one method and path of the API.
type route struct {
	method, path string
	h            handlerFunc
}

// New builds the API handler. It expects full paths (/api/v1/...), so the
// server mounts it with mux.Handle("/api/v1/", h). State-changing browser
// requests are checked by net/http's CrossOriginProtection; requests
// without browser headers (scripts with tokens) pass.
func New(opts Options) http.Handler {
	s := &server{store: opts.Store, auth: opts.Auth, az: auth.Authorizer{Store: opts.Store}, syncs: opts.Syncs,
		oidc: opts.OIDC, log: opts.Logger, now: opts.Now, ttl: opts.SessionTTL}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = 12 * time.Hour
	}
	mux := http.NewServeMux()
	lookup := http.NewServeMux() // the routes alone, to tell 404 from 405
	for _, rt := range s.routes() {
		h := s.wrap(rt.h)
		mux.Handle(rt.method+" "+Prefix+rt.path, h)
		lookup.Handle(rt.method+" "+Prefix+rt.path, h)
	}
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, pat := lookup.Handler(r2); pat != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeError(w, r, errorf(404, CodeNotFound, "no API route %s %s", r.Method, r.URL.Path))
	})
	var h http.Handler = auth.Middleware(s.auth, mux)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(403, CodeForbidden, "cross-origin request refused"))
	}))
	return s.recoverer(cop.Handler(h))
}

// wrap turns a handlerFunc into a handler that writes its error.
func (s *server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// recoverer keeps a panic in a handler from reaching the client as a
// dropped connection; it is logged and answered as a 500.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
				s.writeError(w, r, errorf(500, CodeInternal, "internal error; the server log has the details"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// principal returns who is calling, or ErrUnauthenticated.
func principal(r *http.Request) (auth.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return p, nil
}

// actor is who the audit trail names for p's changes.
func actor(p auth.Principal) string {
	if p.TokenID != "" {
		return p.Email + " (token " + p.TokenID + ")"
	}
	return p.Email
}

// routes is the whole API. openapi.json describes exactly these.
func (s *server) routes() []route {
	rs := []route{
		{"GET", "/openapi.json", s.openAPI},
		{"GET", "/me", s.me},
		{"POST", "/session", s.createSession},
		{"DELETE", "/session", s.deleteSession},
		{"GET", "/oidc/login", s.oidcLogin},
		{"GET", "/oidc/callback", s.oidcCallback},

		{"GET", "/licenses", s.listLicenses},
		{"POST", "/licenses", s.createLicense},
		{"GET", "/licenses/{id}", s.getLicense},
		{"PATCH", "/licenses/{id}", s.patchLicense},
		{"DELETE", "/licenses/{id}", s.deleteLicense},
		{"POST", "/licenses/{id}/key", s.rotateKey},
		{"GET", "/licenses/{id}/features", s.getFeatures},
		{"PUT", "/licenses/{id}/features", s.putFeatures},

		{"GET", "/domains", s.myDomains},
		{"GET", "/domains/{domain}/admins", s.domainAdmins},
		{"GET", "/domains/{domain}/admins/{email}", s.getDomainAdmin},
		{"PUT", "/domains/{domain}/admins/{email}", s.putDomainAdmin},
		{"DELETE", "/domains/{domain}/admins/{email}", s.deleteDomainAdmin},

		{"GET", "/licenses/{id}/members", s.listMembers},
		{"POST", "/licenses/{id}/members", s.addMembers},
		{"GET", "/licenses/{id}/members/{email}", s.getMember},
		{"DELETE", "/licenses/{id}/members/{email}", s.removeMember},
		{"GET", "/licenses/{id}/members/{email}/history", s.memberHistory},
		{"POST", "/licenses/{id}/members/import", s.importMembers},
		{"GET", "/licenses/{id}/members/export", s.exportMembers},
		{"GET", "/csv/sample", s.csvSample},

		{"GET", "/entitlements/{email}", s.entitlement},
		{"POST", "/redeem", s.redeem},
		{"GET", "/licenses/{id}/usage", s.usage},

		{"GET", "/licenses/{id}/deployments", s.listDeployments},
		{"POST", "/licenses/{id}/deployments/ou", s.deployOU},
		{"DELETE", "/deployments/{name}", s.undeploy},
		{"GET", "/deployments/{name}/runs", s.listRuns},
		{"GET", "/deployments/{name}/runs/{id}", s.getRun},
		{"GET", "/events", s.events},
		{"GET", "/licenses/{id}/webhooks", s.webhooks},
		{"POST", "/deployments/{name}/run", s.runNow},
		{"POST", "/deployments/{name}/dry-run", s.dryRun},
		{"GET", "/connectors/{connector}/org-units", s.orgUnits},
		{"GET", "/plans", s.listPlans},
		{"GET", "/plans/{id}", s.getPlan},
		{"POST", "/plans/{id}/approve", s.approvePlan},
		{"POST", "/plans/{id}/reject", s.rejectPlan},

		{"GET", "/tokens", s.listTokens},
		{"POST", "/tokens", s.createToken},
		{"DELETE", "/tokens/{id}", s.revokeToken},
	}
	return slices.Clip(rs)
}
