package fake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// DefaultRateLimit is Clever's limit: requests per minute per bearer token.
const DefaultRateLimit = 1200

// Limits of the limit parameter.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Options configure a fake server.
type Options struct {
	// District is served; the server copies it.
	District *District
	// Now is the server's clock (rate-limit windows); nil: time.Now.
	Now func() time.Time
	// RateLimit is the requests a token may make per minute; 0: 1,200.
	RateLimit int
	// Fidelity wraps the handler in a recorder of what the fake serves,
	// checked against FIDELITY.md (Server.Fidelity); tests set it,
	// benchmarks and the demo do not.
	Fidelity bool
}

// Server is a running fake Clever.
type Server struct {
	http      *httptest.Server
	now       func() time.Time
	rateLimit int
	rec       *fidelity.Recorder

	mu       sync.RWMutex
	district District
	schools  map[string]*School
	users    map[string]*User
	sections map[string]*Section
	userIDs  []string // sorted
	sectIDs  []string // sorted
	tokens   map[string]tokenKind
	windows  map[string]*window
	nextN    int

	faults fakefault.Set[struct{}]
	count  counters
}

type tokenKind int

const (
	tokenDistrict tokenKind = iota + 1
	tokenInstantLogin
	tokenRevoked
)

// window is one token's fixed rate-limit window.
type window struct {
	start time.Time
	used  int
}

type counters struct {
	api, listPages, unauthorized, throttled atomic.Int64
}

// Counts are the requests the server answered, by kind.
type Counts struct {
	API          int64 // every API request, refused ones included
	ListPages    int64 // list requests (pages), failed ones included
	Unauthorized int64 // 401 answers
	Throttled    int64 // 429 answers
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{now: opts.Now, rateLimit: opts.RateLimit, tokens: map[string]tokenKind{}, windows: map[string]*window{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rateLimit <= 0 {
		s.rateLimit = DefaultRateLimit
	}
	d := opts.District
	if d == nil {
		d = &District{ID: ObjectID(KindDistrict, 1), Name: "Empty District"}
	}
	s.load(*d)

	mux := http.NewServeMux()
	mux.Handle("GET /{version}/districts", s.api(s.districtsList))
	mux.Handle("GET /{version}/users", s.api(s.usersList))
	mux.Handle("GET /{version}/users/{id}", s.api(s.userGet))
	mux.Handle("GET /{version}/users/{id}/sections", s.api(s.userSections))
	mux.Handle("GET /{version}/sections/{id}", s.api(s.sectionGet))
	mux.Handle("GET /{version}/sections/{id}/users", s.api(s.sectionUsers))
	mux.Handle("GET /{version}/schools/{id}", s.api(s.schoolGet))
	mux.Handle("GET /{version}/schools/{id}/users", s.api(s.schoolUsers))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, http.StatusNotFound, "Not Found")
	})
	var h http.Handler = mux
	if opts.Fidelity {
		s.rec = fidelity.NewRecorder(Table(), mux)
		h = s.rec
	}
	s.http = httptest.NewServer(h)
	return s
}

func (s *Server) load(d District) {
	s.district = District{ID: d.ID, Name: d.Name}
	s.schools, s.users, s.sections = map[string]*School{}, map[string]*User{}, map[string]*Section{}
	for _, sc := range d.Schools {
		s.schools[sc.ID] = &sc
	}
	for _, u := range d.Users {
		s.users[u.ID] = &u
		s.userIDs = append(s.userIDs, u.ID)
	}
	for _, sec := range d.Sections {
		s.sections[sec.ID] = &sec
		s.sectIDs = append(s.sectIDs, sec.ID)
	}
	slices.Sort(s.userIDs)
	slices.Sort(s.sectIDs)
	s.nextN = len(d.Users) + 1_000_000
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// URL is the API's base URL (scheme and host), as settings.base_url takes it.
func (s *Server) URL() string { return s.http.URL }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Fidelity is the recorder of what the fake served, when
// Options.Fidelity asked for one; nil otherwise.
func (s *Server) Fidelity() *fidelity.Recorder { return s.rec }

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	c := &s.count
	return Counts{API: c.api.Load(), ListPages: c.listPages.Load(), Unauthorized: c.unauthorized.Load(), Throttled: c.throttled.Load()}
}

// DistrictToken issues a district-app bearer token, as Clever lists them
// for a Secure Sync app; it may page every endpoint.
func (s *Server) DistrictToken() string { return s.issue("", tokenDistrict) }

// InstantLoginToken issues a user token of the SSO flow, which Clever
// answers with an HTML page on the Data API's endpoints.
func (s *Server) InstantLoginToken() string { return s.issue("ilc_", tokenInstantLogin) }

// UserToken issues another user token of the SSO flow, whose text does
// not reveal its kind; Clever answers it with HTML as well.
func (s *Server) UserToken() string { return s.issue("", tokenInstantLogin) }

func (s *Server) issue(prefix string, kind tokenKind) string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	t := prefix + hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t] = kind
	return t
}

// RevokeTokens makes every token issued so far invalid, as disconnecting
// the app from the district does.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = tokenRevoked
	}
}

// handler is one endpoint; it returns an error answer or writes the body.
type handler func(w http.ResponseWriter, r *http.Request) *apiError

// api wraps a handler with authentication, the rate limit and the faults.
func (s *Server) api(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.api.Add(1)
		v := r.PathValue("version")
		if v != "v3.0" && v != "v3.1" {
			writeMessage(w, http.StatusNotFound, "Not Found")
			return
		}
		tok, kind := s.authorize(r)
		switch kind {
		case 0, tokenRevoked:
			s.count.unauthorized.Add(1)
			writeMessage(w, http.StatusUnauthorized, MsgInvalidToken)
			return
		case tokenInstantLogin:
			s.count.unauthorized.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>Unauthorized</title></head><body><h1>Unauthorized</h1></body></html>\n"))
			return
		}
		if !s.admit(w, tok) {
			s.count.throttled.Add(1)
			writeMessage(w, http.StatusTooManyRequests, MsgRateLimited)
			return
		}
		if req, ok := s.faults.Take(); ok {
			if req.RateLimited {
				s.count.throttled.Add(1)
				reset := s.now().Add(req.RetryAfter)
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", unixCeil(reset))
				writeMessage(w, http.StatusTooManyRequests, MsgRateLimited)
				return
			}
			writeMessage(w, req.Code, http.StatusText(req.Code))
			return
		}
		if aerr := h(w, r); aerr != nil {
			aerr.write(w)
		}
	})
}

// authorize returns the request's bearer token and its kind (0: unknown).
func (s *Server) authorize(r *http.Request) (string, tokenKind) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return tok, s.tokens[strings.TrimSpace(tok)]
}

// admit counts the request in its token's fixed one-minute window and
// sets the rate-limit headers; false when the window is spent.
func (s *Server) admit(w http.ResponseWriter, tok string) bool {
	now := s.now()
	s.mu.Lock()
	win := s.windows[tok]
	if win == nil || !now.Before(win.start.Add(time.Minute)) {
		win = &window{start: now.Truncate(time.Minute)}
		s.windows[tok] = win
	}
	win.used++
	used, reset := win.used, win.start.Add(time.Minute)
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", itoa(s.rateLimit))
	h.Set("X-RateLimit-Remaining", itoa(max(s.rateLimit-used, 0)))
	h.Set("X-RateLimit-Reset", itoa(int(reset.Unix())))
	return used <= s.rateLimit
}

func unixCeil(t time.Time) string {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return itoa(int(sec))
}
