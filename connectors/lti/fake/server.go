package fake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// Paths of the platform's endpoints (Canvas's, for the ones Canvas has).
const (
	PathJWKS  = "/api/lti/security/jwks"
	PathAuth  = "/api/lti/authorize_redirect"
	PathToken = "/login/oauth2/token"
)

// NRPS page sizes.
const (
	DefaultLimit = 10
	MaxLimit     = 100
)

// Options configure a fake platform.
type Options struct {
	Courses []Course
	// Now is the platform's clock (token and id_token times); nil: time.Now.
	Now func() time.Time
	// TokenTTL is the access tokens' lifetime; zero: an hour.
	TokenTTL time.Duration
	// Fidelity records what the fake serves against FIDELITY.md
	// (Platform.Fidelity); tests set it.
	Fidelity bool
}

// Tool is a tool registered with the platform.
type Tool struct {
	ClientID     string
	DeploymentID string
	LoginURL     string   // the tool's OIDC login initiation URL
	RedirectURIs []string // where id_tokens may be posted
	TargetLink   string   // target_link_uri of launches; default the first redirect URI
	// The tool's public keys: fetched from JWKSURL on every assertion, or
	// given as Keys.
	JWKSURL string
	Keys    *jose.JSONWebKeySet
}

// Platform is a running fake LTI platform.
type Platform struct {
	http     *httptest.Server
	now      func() time.Time
	tokenTTL time.Duration
	rec      *fidelity.Recorder

	mu      sync.Mutex
	keys    []signingKey // the last one signs
	tools   map[string]*Tool
	courses map[string]*Course
	order   []string
	tokens  map[string]accessToken
	jtis    map[string]time.Time
	tamper  *Tamper
	idSeq   int

	faults fakefault.Set[struct{}]
	count  counters
}

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

type accessToken struct {
	clientID string
	expires  time.Time
	revoked  bool
}

type counters struct {
	nrpsPages, tokens, tokenRefusals, launches atomic.Int64
}

// Counts are the requests the platform answered, by kind.
type Counts struct {
	NRPSPages     int64 // membership pages, failed ones included
	Tokens        int64 // access tokens issued
	TokenRefusals int64 // token requests refused
	Launches      int64 // id_tokens issued
}

// New starts a platform on a loopback port with one signing key.
func New(opts Options) *Platform {
	p := &Platform{now: opts.Now, tokenTTL: opts.TokenTTL, tools: map[string]*Tool{}, courses: map[string]*Course{},
		tokens: map[string]accessToken{}, jtis: map[string]time.Time{}}
	if p.now == nil {
		p.now = time.Now
	}
	if p.tokenTTL <= 0 {
		p.tokenTTL = time.Hour
	}
	for _, c := range opts.Courses {
		p.courses[c.ID] = &c
		p.order = append(p.order, c.ID)
	}
	p.Rotate()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathJWKS, p.serveJWKS)
	mux.HandleFunc("GET "+PathAuth, p.serveAuth)
	mux.HandleFunc("POST "+PathAuth, p.serveAuth)
	mux.HandleFunc("POST "+PathToken, p.serveToken)
	mux.HandleFunc("GET /api/lti/courses/{id}/names_and_roles", p.serveNRPS)
	mux.HandleFunc("GET /courses/{id}/launch", p.serveLaunchPage)
	mux.HandleFunc("GET /favicon.ico", http.NotFound) // browsers ask every site
	var h http.Handler = mux
	if opts.Fidelity {
		p.rec = fidelity.NewRecorder(Table(), mux)
		h = p.rec
	}
	p.http = httptest.NewServer(h)
	return p
}

// Close shuts the platform down.
func (p *Platform) Close() { p.http.Close() }

// Issuer is the platform's iss (its base URL).
func (p *Platform) Issuer() string { return p.http.URL }

// AuthURL, TokenURL and JWKSURL are the platform's endpoints.
func (p *Platform) AuthURL() string  { return p.http.URL + PathAuth }
func (p *Platform) TokenURL() string { return p.http.URL + PathToken }
func (p *Platform) JWKSURL() string  { return p.http.URL + PathJWKS }

// MembershipsURL is a course's NRPS endpoint.
func (p *Platform) MembershipsURL(course string) string {
	return p.http.URL + "/api/lti/courses/" + course + "/names_and_roles"
}

// LaunchPageURL is the course page from which user launches the tool.
func (p *Platform) LaunchPageURL(course, user, clientID string) string {
	return fmt.Sprintf("%s/courses/%s/launch?user=%s&client_id=%s", p.http.URL, course, user, clientID)
}

// Client returns an HTTP client for the platform.
func (p *Platform) Client() *http.Client { return p.http.Client() }

// Fidelity is the recorder of what the fake served, when Options asked
// for one; nil otherwise.
func (p *Platform) Fidelity() *fidelity.Recorder { return p.rec }

// Counts returns the request counters.
func (p *Platform) Counts() Counts {
	return Counts{NRPSPages: p.count.nrpsPages.Load(), Tokens: p.count.tokens.Load(),
		TokenRefusals: p.count.tokenRefusals.Load(), Launches: p.count.launches.Load()}
}

// RegisterTool registers (or replaces) a tool.
func (p *Platform) RegisterTool(t Tool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tools[t.ClientID] = &t
}

// Rotate makes a new signing key current; the old keys stay in the JWKS.
func (p *Platform) Rotate() string {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err) // the system's randomness failed
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	kid := "platform-" + hex.EncodeToString(b[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, signingKey{kid: kid, priv: priv})
	return kid
}

// DropOldKeys leaves only the current key in the JWKS.
func (p *Platform) DropOldKeys() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = p.keys[len(p.keys)-1:]
}

// RevokeTokens makes every access token invalid and refuses every tool's
// assertions from now on, as deleting the tool's developer key does.
func (p *Platform) RevokeTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, t := range p.tokens {
		t.revoked = true
		p.tokens[k] = t
	}
	for _, t := range p.tools {
		t.JWKSURL, t.Keys = "", nil
	}
}

// ExpireTokens ends every access token issued so far, as a platform that
// revokes tokens early (or whose clock runs ahead) does; the tools' keys
// stay registered.
func (p *Platform) ExpireTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, t := range p.tokens {
		t.expires = p.now()
		p.tokens[k] = t
	}
}

// SetCourse replaces (or adds) a course.
func (p *Platform) SetCourse(c Course) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.courses[c.ID]; !ok {
		p.order = append(p.order, c.ID)
	}
	p.courses[c.ID] = &c
}

// Course returns a copy of a course.
func (p *Platform) Course(id string) (Course, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.courses[id]
	if !ok {
		return Course{}, false
	}
	out := *c
	out.Members = append([]Member(nil), c.Members...)
	return out, true
}

// Fault switches (NRPS requests only; token and launch requests are not
// throttled by the fake).

// RateLimit answers the next n NRPS requests with 429 and Retry-After.
func (p *Platform) RateLimit(n int, retryAfter time.Duration) {
	p.faults.RateLimit(struct{}{}, n, retryAfter)
}

// ServerErrors answers the next n NRPS requests with code.
func (p *Platform) ServerErrors(code, n int) { p.faults.ServerErrors(code, n) }

// FailOnPage fails page n of every roster with code.
func (p *Platform) FailOnPage(n, code int) { p.faults.FailOnPage(n, code) }

// SlowPages delays every roster page by d.
func (p *Platform) SlowPages(d time.Duration) { p.faults.SlowPages(d) }

// Empty makes every roster answer no members.
func (p *Platform) Empty(on bool) { p.faults.SetEmpty(on) }
