package dashboard

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// Options are the dashboard's dependencies.
type Options struct {
	// Store is the license store the pages read and write.
	Store license.Store
	// Auth authenticates tokens and session cookies and decides who may
	// see and manage what.
	Auth *auth.Store
	// Syncs is the sync side (deployments, runs, pending plans, org units);
	// nil hides the Syncs page and deploying to org units.
	Syncs license.Syncs
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Secure marks the session cookie Secure (and __Host-) on every
	// request, as when the public URL is https. Behind a TLS-ending proxy,
	// wrap the server in auth.Secure instead (cmd/rollcall does).
	Secure bool
	// OIDCLogin is where "Sign in with …" sends the browser, when OpenID
	// Connect is configured; empty hides the button. OIDCName names the
	// provider on it ("Google").
	OIDCLogin string
	OIDCName  string
	// Directories names the directory connectors whose org units the
	// deploy-to-OU picker offers. Empty: those of the google-directory
	// deployments Syncs lists.
	Directories []string
	// SessionTTL is how long a dashboard session lasts; zero is 12 hours.
	SessionTTL time.Duration
}

// server holds what every handler needs.
type server struct {
	store       license.Store
	acc         access
	syncs       license.Syncs
	log         *slog.Logger
	now         func() time.Time
	oidcLogin   string
	oidcName    string
	directories []string
	sessionTTL  time.Duration
	pages       pages
	static      fs.FS
}

// New builds the dashboard handler, to be mounted at "/". It is wrapped in
// http.CrossOriginProtection, so a cross-origin POST is refused before any
// handler runs.
func New(opts Options) (http.Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("dashboard: a license store is required")
	}
	if opts.Auth == nil {
		return nil, errors.New("dashboard: an auth store is required")
	}
	s := &server{
		store:       opts.Store,
		syncs:       opts.Syncs,
		log:         opts.Logger,
		now:         opts.Now,
		oidcLogin:   opts.OIDCLogin,
		oidcName:    opts.OIDCName,
		directories: opts.Directories,
		sessionTTL:  opts.SessionTTL,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = 12 * time.Hour
	}
	if s.oidcName == "" {
		s.oidcName = "single sign-on"
	}
	s.acc = newAccess(opts.Auth, opts.Store)
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.static, err = fs.Sub(assets, "static"); err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		http.Error(w, "Cross-origin request refused: reload the dashboard and try again.", http.StatusForbidden)
	}))
	var h http.Handler = securityHeaders(cop.Handler(s.acc.wrap(s.routes())))
	if opts.Secure {
		// Every cookie below reads and writes the __Host- name.
		h = auth.Secure(auth.TLSPolicy{PublicHTTPS: true}, h)
	}
	return h, nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(s.static)))
	mux.HandleFunc("GET /signin", s.signInPage)
	mux.HandleFunc("POST /signin", s.signIn)
	mux.HandleFunc("POST /signout", s.signOut)

	mux.HandleFunc("GET /{$}", s.user(func(w http.ResponseWriter, r *http.Request, v viewer) {
		http.Redirect(w, r, "/licenses", http.StatusSeeOther)
	}))
	mux.HandleFunc("GET /licenses", s.user(s.licensesPage))
	mux.HandleFunc("GET /licenses/new", s.user(s.newLicensePage))
	mux.HandleFunc("POST /licenses", s.user(s.createLicense))
	mux.HandleFunc("GET /licenses/{id}", s.user(func(w http.ResponseWriter, r *http.Request, v viewer) {
		http.Redirect(w, r, "/licenses/"+r.PathValue("id")+"/details", http.StatusSeeOther)
	}))
	mux.HandleFunc("GET /licenses/{id}/details", s.user(s.detailsPage))
	mux.HandleFunc("POST /licenses/{id}/key", s.user(s.rotateKey))
	mux.HandleFunc("GET /licenses/{id}/usage", s.user(s.usagePage))
	mux.HandleFunc("GET /licenses/{id}/members", s.user(s.membersPage))
	mux.HandleFunc("GET /licenses/{id}/members.csv", s.user(s.exportMembers))
	mux.HandleFunc("POST /licenses/{id}/members/remove", s.user(s.removeMember))
	mux.HandleFunc("GET /licenses/{id}/add", s.user(s.addPage))
	mux.HandleFunc("POST /licenses/{id}/add/emails", s.user(s.addEmails))
	mux.HandleFunc("POST /licenses/{id}/add/csv", s.user(s.uploadCSV))
	mux.HandleFunc("GET /licenses/{id}/add/sample.csv", s.user(s.sampleCSV))
	mux.HandleFunc("POST /licenses/{id}/add/deploy", s.user(s.deployOU))
	mux.HandleFunc("POST /licenses/{id}/features", s.user(s.setFeatures))

	mux.HandleFunc("GET /features", s.user(s.featuresPage))
	mux.HandleFunc("GET /domains", s.user(s.domainsPage))
	mux.HandleFunc("POST /domains/admins", s.user(s.setDomainAdmin))
	mux.HandleFunc("POST /licenses/{id}/lms", s.user(s.linkLMS))
	mux.HandleFunc("POST /lms/link", s.user(func(w http.ResponseWriter, r *http.Request, v viewer) {
		r.SetPathValue("id", r.PostFormValue("license"))
		s.linkLMS(w, r, v)
	}))
	mux.HandleFunc("GET /lms", s.user(s.lmsPage))
	mux.HandleFunc("GET /syncs", s.user(s.syncsPage))
	mux.HandleFunc("GET /syncs/pending/{id}", s.user(s.pendingPage))
	mux.HandleFunc("POST /syncs/pending/{id}/approve", s.user(s.approvePlan))
	mux.HandleFunc("POST /syncs/pending/{id}/reject", s.user(s.rejectPlan))
	mux.HandleFunc("POST /syncs/deployments/{name}/run", s.user(s.runNow))

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		v, _ := s.acc.viewer(r.Context())
		s.notFound(w, r, v)
	})
	return mux
}

// securityHeaders keeps the pages from being framed or sniffed, and lets
// them load only what the binary serves.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
