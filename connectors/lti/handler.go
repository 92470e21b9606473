package lti

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Paths the tool serves.
const (
	PathJWKS   = "/lti/jwks"
	PathLogin  = "/lti/login"
	PathLaunch = "/lti/launch"
)

// loginTTL bounds the time from login initiation to launch.
const loginTTL = 10 * time.Minute

// maxLogins bounds the logins waiting for their launch, so a flood of
// login requests cannot grow the table without limit.
const maxLogins = 10000

// Launch is a verified launch, handed to the Launcher after its course was
// recorded.
type Launch struct {
	Connector        string
	Context          Context
	FirstLaunch      bool // no launch came from this course before
	UserID           string
	Name             string
	Email            string
	Roles            []string
	AutoEnrolLicense string // the connector's auto_enrol_license; empty: off
}

// Outcome is what the Launcher did, shown to the person launching.
type Outcome struct {
	Deployment string // the deployment that keeps the course's roster; empty: none
	Created    bool   // this launch created it
	Added      int    // members its first sync added
	Note       string // one sentence for the page
}

// Launcher is what a verified launch reaches of the sync engine:
// cmd/rollcall wires it (create the course's deployment when auto-enrol
// is on, and sync it). It must be safe for concurrent use.
type Launcher interface {
	Launched(ctx context.Context, l Launch) (Outcome, error)
}

// ToolOptions configure the tool's endpoints.
type ToolOptions struct {
	Connectors []*Connector // one per registered platform
	Launcher   Launcher     // nil: launches only record their course
	Logger     *slog.Logger
	// ToolURL is Rollcall's public base URL (http.public_url); empty: the
	// request's own scheme and host.
	ToolURL string
	// HTTPClient fetches the platforms' JWKS; nil: a client with a timeout.
	HTTPClient *http.Client
	Now        func() time.Time // nil: time.Now
}

// Tool serves /lti/jwks, /lti/login and /lti/launch.
type Tool struct {
	opts ToolOptions
	log  *slog.Logger
	now  func() time.Time
	keys map[*Connector]*platformKeys
	mux  *http.ServeMux

	mu     sync.Mutex
	logins map[string]login     // state → the login that issued it
	nonces map[string]time.Time // nonces used, until their id_token expires
}

type login struct {
	conn    *Connector
	nonce   string
	expires time.Time
}

// NewTool builds the tool's handler.
func NewTool(opts ToolOptions) *Tool {
	t := &Tool{opts: opts, log: opts.Logger, now: opts.Now, keys: map[*Connector]*platformKeys{},
		logins: map[string]login{}, nonces: map[string]time.Time{}}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.now == nil {
		t.now = time.Now
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	for _, c := range opts.Connectors {
		t.keys[c] = &platformKeys{url: c.s.JWKSURL, client: client}
	}
	t.mux = http.NewServeMux()
	t.mux.HandleFunc("GET "+PathJWKS, t.serveJWKS)
	t.mux.HandleFunc("GET "+PathLogin, t.serveLogin)
	t.mux.HandleFunc("POST "+PathLogin, t.serveLogin)
	t.mux.HandleFunc("POST "+PathLaunch, t.serveLaunch)
	return t
}

// ServeHTTP implements http.Handler.
func (t *Tool) ServeHTTP(w http.ResponseWriter, r *http.Request) { t.mux.ServeHTTP(w, r) }

// serveJWKS publishes the tool's public keys, one per registration
// (platforms fetch it to check client assertions).
func (t *Tool) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	seen := map[string]bool{}
	for _, c := range t.opts.Connectors {
		if !seen[c.key.ID] {
			seen[c.key.ID] = true
			set.Keys = append(set.Keys, c.key.Public())
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(set)
}

// toolURL is Rollcall's base URL as the platform reaches it.
func (t *Tool) toolURL(r *http.Request) string {
	if t.opts.ToolURL != "" {
		return strings.TrimRight(t.opts.ToolURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func random() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// serveLogin is OIDC third-party initiated login (LTI 1.3 core §4.1):
// find the registration, issue a state and a nonce, and send the browser
// to the platform's authorization endpoint.
func (t *Tool) serveLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		t.page(w, r, http.StatusBadRequest, "", "The login request is not a form.")
		return
	}
	f := r.Form
	iss, hint := f.Get("iss"), f.Get("login_hint")
	if iss == "" || hint == "" || f.Get("target_link_uri") == "" {
		t.page(w, r, http.StatusBadRequest, "", "The login request lacks iss, login_hint or target_link_uri.")
		return
	}
	var conn *Connector
	for _, c := range t.opts.Connectors {
		if c.s.Issuer == iss && (f.Get("client_id") == "" || f.Get("client_id") == c.s.ClientID) {
			conn = c
			break
		}
	}
	if conn == nil {
		t.page(w, r, http.StatusBadRequest, "", "No platform with issuer "+iss+" (and client id "+f.Get("client_id")+") is registered: add an lti connector with these settings.")
		return
	}
	if d := f.Get("lti_deployment_id"); d != "" && !slices.Contains(conn.s.DeploymentIDs, d) {
		t.page(w, r, http.StatusForbidden, "", "Deployment id "+d+" is not registered for this platform (settings.deployment_ids of connector "+conn.name+").")
		return
	}
	state, nonce := random(), random()
	now := t.now()
	t.mu.Lock()
	for s, l := range t.logins {
		if now.After(l.expires) {
			delete(t.logins, s)
		}
	}
	full := len(t.logins) >= maxLogins
	if !full {
		t.logins[state] = login{conn: conn, nonce: nonce, expires: now.Add(loginTTL)}
	}
	t.mu.Unlock()
	if full {
		t.log.Warn("LTI login refused: too many logins waiting for their launch", "connector", conn.name)
		t.page(w, r, http.StatusServiceUnavailable, "", "Too many launches are in progress; try again in a few minutes.")
		return
	}
	q := url.Values{
		"scope":         {"openid"},
		"response_type": {"id_token"},
		"response_mode": {"form_post"},
		"prompt":        {"none"},
		"client_id":     {conn.s.ClientID},
		"redirect_uri":  {t.toolURL(r) + PathLaunch},
		"login_hint":    {hint},
		"state":         {state},
		"nonce":         {nonce},
	}
	if m := f.Get("lti_message_hint"); m != "" {
		q.Set("lti_message_hint", m)
	}
	target := conn.s.AuthLoginURL
	if strings.Contains(target, "?") {
		target += "&" + q.Encode()
	} else {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// serveLaunch checks the platform's post back and, when every check
// holds, records the course and hands the launch to the Launcher.
// Nothing changes on a refused launch.
func (t *Tool) serveLaunch(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		t.page(w, r, http.StatusBadRequest, "", "The launch is not a form.")
		return
	}
	if e := r.PostForm.Get("error"); e != "" {
		t.refused(w, r, nil, refuse(http.StatusBadRequest, "the platform refused the login: %s %s", e, r.PostForm.Get("error_description")))
		return
	}
	state, raw := r.PostForm.Get("state"), r.PostForm.Get("id_token")
	now := t.now()
	t.mu.Lock()
	l, ok := t.logins[state]
	delete(t.logins, state) // a state is good for one launch, whatever happens
	t.mu.Unlock()
	if !ok || state == "" || now.After(l.expires) {
		t.refused(w, r, nil, refuse(http.StatusUnauthorized, "unknown or already used state: a launch is accepted once, within %s of its login", loginTTL))
		return
	}
	v, err := verify(r.Context(), l.conn, t.keys[l.conn], raw, l.nonce, now)
	if err != nil {
		t.refused(w, r, l.conn, err)
		return
	}
	t.mu.Lock()
	for n, exp := range t.nonces {
		if now.After(exp) {
			delete(t.nonces, n)
		}
	}
	_, replayed := t.nonces[v.Nonce]
	if !replayed {
		t.nonces[v.Nonce] = now.Add(loginTTL + clockSkew)
	}
	t.mu.Unlock()
	if replayed {
		t.refused(w, r, l.conn, refuse(http.StatusUnauthorized, "this launch's nonce was already used (a replayed launch)"))
		return
	}
	course := Context{ID: v.Context.ID, Label: v.Context.Label, Title: v.Context.Title, DeploymentID: v.DeploymentID,
		FirstLaunch: now, LastLaunch: now}
	if v.NRPS != nil {
		course.MembershipsURL = v.NRPS.MembershipsURL
	}
	first, err := l.conn.Remember(course)
	if err != nil {
		t.log.Error("LTI launch: cannot record the course", "connector", l.conn.name, "context", course.ID, "err", err)
		t.page(w, r, http.StatusInternalServerError, course.Title, "Rollcall could not record this course; the operator's log says why.")
		return
	}
	t.log.Info("LTI launch", "connector", l.conn.name, "context", course.ID, "title", course.Title, "first", first,
		"deployment_id", v.DeploymentID, "user", v.Subject)
	launch := Launch{Connector: l.conn.name, Context: course, FirstLaunch: first, UserID: v.Subject, Name: v.Name, Email: v.Email,
		Roles: v.Roles, AutoEnrolLicense: l.conn.s.AutoEnrolLicense}
	msg := "Rollcall has recorded this course."
	if course.MembershipsURL == "" {
		msg += " The platform did not offer its roster (Names and Role Provisioning Services): enable that service for Rollcall to enrol the course."
	}
	if t.opts.Launcher != nil && course.MembershipsURL != "" {
		out, err := t.opts.Launcher.Launched(r.Context(), launch)
		if err != nil {
			t.log.Error("LTI launch: auto-enrol failed", "connector", l.conn.name, "context", course.ID, "err", err)
			t.page(w, r, http.StatusBadGateway, course.Title, "Rollcall recorded this course but could not enrol it: "+err.Error())
			return
		}
		if out.Note != "" {
			msg = out.Note
		}
	}
	t.page(w, r, http.StatusOK, course.Title, msg)
}

func (t *Tool) refused(w http.ResponseWriter, r *http.Request, c *Connector, err error) {
	le, ok := err.(*LaunchError)
	if !ok {
		le = refuse(http.StatusBadRequest, "%v", err)
	}
	name := ""
	if c != nil {
		name = c.name
	}
	t.log.Warn("LTI launch refused", "connector", name, "reason", le.Msg)
	t.page(w, r, le.Code, "", "Launch refused: "+le.Msg+".")
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Rollcall</title></head>
<body><main><h1>Rollcall{{if .Title}}: {{.Title}}{{end}}</h1>
<p id="result" data-status="{{.Code}}">{{.Msg}}</p></main></body></html>
`))

// page answers a small HTML page: launches come from a browser.
func (t *Tool) page(w http.ResponseWriter, _ *http.Request, code int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = pageTmpl.Execute(w, map[string]any{"Title": title, "Msg": msg, "Code": code})
}
