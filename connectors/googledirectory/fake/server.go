package fake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// Options configure a fake server.
type Options struct {
	// District is served; nil: Generate(1, 200). The server takes it over:
	// do not change it afterwards except through the Server's methods.
	District *District
	// TokenTTL is the lifetime of issued access tokens; zero: 3599 s, as Google.
	TokenTTL time.Duration
	// Now is the server's clock for token lifetimes; nil: time.Now.
	Now func() time.Time
	// Fidelity serves every request through fidelity recorders holding
	// the fake to FIDELITY.md (see CheckFidelity). Tests set it;
	// benchmarks leave it off, as the recorders buffer every body.
	Fidelity bool
}

// Server is a running fake of the Directory API and Google's token endpoint.
type Server struct {
	http *httptest.Server
	auth *fakeauth.Issuer

	mu       sync.RWMutex
	d        *District
	removed  []bool // tombstones, parallel to d.Users: removal keeps ids sorted cheaply
	index    *userIndex
	delegate map[string]bool
	addSeq   uint64

	faults faults
	quota  quotaWindow // off unless SetQuota
	count  counters
	rec    *fakeauth.Recording
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{d: opts.District}
	s.auth = fakeauth.NewIssuer(fakeauth.Options{TTL: opts.TokenTTL, Now: opts.Now,
		DefaultScopes: ReadOnlyScopes(), Subject: s.subject})
	if s.d == nil {
		s.d = Generate(1, 200)
	}
	s.removed = make([]bool, len(s.d.Users))
	s.index = newUserIndex(s.d.Users, s.removed)
	s.delegate = map[string]bool{}
	for _, a := range s.d.Assigns {
		s.delegate[a.UserID] = true
	}
	mux := http.NewServeMux()
	mux.Handle("POST /token", s.auth)
	mux.Handle("GET /admin/directory/v1/users", s.api(s.usersList, ScopeUserReadonly, ScopeUser))
	mux.Handle("GET /admin/directory/v1/users/{userKey}", s.api(s.usersGet, ScopeUserReadonly, ScopeUser))
	mux.Handle("GET /admin/directory/v1/customer/{customer}/orgunits", s.api(s.orgUnitsList, ScopeOrgUnitReadonly, ScopeOrgUnit))
	mux.Handle("GET /admin/directory/v1/customer/{customer}/roleassignments", s.api(s.roleAssignmentsList, ScopeRoleReadonly, ScopeRole))
	mux.Handle("GET /admin/directory/v1/customer/{customer}/roles/{roleId}", s.api(s.rolesGet, ScopeRoleReadonly, ScopeRole))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		errNotFound(r.URL.Path).Write(w)
	})
	s.rec = fakeauth.NewRecording(Table(), mux, opts.Fidelity)
	s.http = httptest.NewServer(s.rec)
	s.auth.SetURL(s.TokenURL())
	return s
}

// URL is the server's base URL, without a trailing slash.
func (s *Server) URL() string { return s.http.URL }

// Endpoint is the base URL for option.WithEndpoint (with its trailing slash).
func (s *Server) Endpoint() string { return s.http.URL + "/" }

// TokenURL is the token endpoint, also the audience assertions must name.
func (s *Server) TokenURL() string { return s.http.URL + "/token" }

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// Domain and CustomerID of the served district.
func (s *Server) Domain() string     { return s.d.Domain }
func (s *Server) CustomerID() string { return s.d.CustomerID }

// District returns the district as generated. Users changed by mutations
// are not reflected in it: use ActiveIn or Users for the current state.
func (s *Server) District() *District { return s.d }

// apiHandler answers one API method; it returns an error to send instead.
type apiHandler func(w http.ResponseWriter, r *http.Request, t *issuedToken) *apiError

// api wraps a method with what every Directory call goes through: the
// bearer token, the subject's admin status, fault switches, then scopes.
func (s *Server) api(h apiHandler, scopes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.api.Add(1)
		t, aerr := s.auth.Authorize(r)
		if aerr != nil {
			s.count.unauthorized.Add(1)
			aerr.Write(w)
			return
		}
		if aerr := s.takeFault(); aerr != nil {
			s.count.faults.Add(1)
			aerr.Write(w)
			return
		}
		if aerr := s.quota.take(); aerr != nil {
			aerr.Write(w)
			return
		}
		if !t.Allows(scopes...) {
			fakeauth.InsufficientScopes().Write(w)
			return
		}
		if !isAdmin(t) {
			errNotAuthorized().Write(w)
			return
		}
		if c := r.PathValue("customer"); c != "" && !s.customerOK(c) {
			errNotAuthorized().Write(w)
			return
		}
		if aerr := h(w, r, t); aerr != nil {
			aerr.Write(w)
		}
	})
}

func (s *Server) customerOK(c string) bool { return c == "my_customer" || c == s.d.CustomerID }

// findEmail finds a live user by primary email, case-insensitively.
// Callers hold s.mu. It scans: lookups by email are rare (users.get, token
// subjects, mutations), and an index would cost a map entry per person.
func (s *Server) findEmail(email string) (int, bool) {
	for i := range s.d.Users {
		if !s.removed[i] && strings.EqualFold(s.d.Users[i].PrimaryEmail, email) {
			return i, true
		}
	}
	return 0, false
}

// findKey finds a live user by primary email or id. Callers hold s.mu.
func (s *Server) findKey(key string) (int, bool) {
	if strings.Contains(key, "@") {
		return s.findEmail(key)
	}
	i := s.searchID(key)
	if i < len(s.d.Users) && s.d.Users[i].ID == key && !s.removed[i] {
		return i, true
	}
	return 0, false
}

// Counts are the requests a server has answered, by endpoint.
type Counts struct {
	Token        int64 // token endpoint requests
	TokenRefused int64 // of which refused
	API          int64 // Directory API requests of any method
	UsersList    int64 // users.list requests that reached the handler
	UsersGet     int64
	OrgUnits     int64
	RoleAssigns  int64
	Roles        int64
	Unauthorized int64 // API requests answered 401
	Faults       int64 // API requests answered by a fault switch
}

type counters struct {
	api, usersList, usersGet, orgUnits, roleAssigns, roles, unauthorized, faults atomic.Int64
}

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	c := &s.count
	token, refused := s.auth.Counts()
	return Counts{
		Token: token, TokenRefused: refused, API: c.api.Load(),
		UsersList: c.usersList.Load(), UsersGet: c.usersGet.Load(), OrgUnits: c.orgUnits.Load(),
		RoleAssigns: c.roleAssigns.Load(), Roles: c.roles.Load(),
		Unauthorized: c.unauthorized.Load(), Faults: c.faults.Load(),
	}
}
