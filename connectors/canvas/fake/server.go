package fake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// Options configure a fake server.
type Options struct {
	// District is served; the server takes it over: change it afterwards
	// only through the Server's methods.
	District *District
	// Now is the server's clock (token expiry, bucket refill); nil: time.Now.
	Now func() time.Time
	// TokenTTL is the lifetime of tokens the OAuth2 endpoint issues; zero: one hour.
	TokenTTL time.Duration
	// Fidelity serves every request through a fidelity.Recorder holding
	// the fake to FIDELITY.md (Server.Fidelity); off for benchmarks, as
	// the recorder buffers and parses every answer.
	Fidelity bool
}

// Server is a running fake Canvas.
type Server struct {
	http     *httptest.Server
	rec      *fidelity.Recorder
	now      func() time.Time
	tokenTTL time.Duration

	mu        sync.RWMutex
	root      int64
	accounts  map[int64]*Account
	terms     map[int64]*Term
	courses   map[int64]*Course
	courseIDs []int64 // sorted
	users     map[int64]*User
	rosters   map[int64][]*Enrollment // by course, in Canvas's listing order
	nextID    int64
	tokens    map[string]*token
	keys      map[string]string // developer key client id -> secret
	refresh   map[string]refreshGrant

	bucket bucket
	faults faults
	count  counters
}

type token struct {
	userID  int64
	expires time.Time // zero: never
	revoked bool
}

type refreshGrant struct {
	clientID string
	userID   int64
}

type counters struct {
	api, enrollmentPages, userPages, coursePages, token, unauthorized, throttled atomic.Int64
}

// Counts are the requests the server answered, by kind.
type Counts struct {
	API             int64 // every /api/v1 request, refused ones included
	EnrollmentPages int64 // enrollment list requests, failed ones included
	UserPages       int64 // course and account user list requests, failed ones included
	CoursePages     int64 // course list requests
	Token           int64 // OAuth2 token requests
	Unauthorized    int64 // 401 answers
	Throttled       int64 // rate-limit answers
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{
		now: opts.Now, tokenTTL: opts.TokenTTL,
		accounts: map[int64]*Account{}, terms: map[int64]*Term{}, courses: map[int64]*Course{},
		users: map[int64]*User{}, rosters: map[int64][]*Enrollment{},
		tokens: map[string]*token{}, keys: map[string]string{}, refresh: map[string]refreshGrant{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = time.Hour
	}
	d := opts.District
	if d == nil {
		d = &District{Accounts: []Account{{ID: 1, Name: "District"}}}
	}
	s.load(d)
	s.bucket = bucket{remaining: bucketSize, at: s.now()}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/oauth2/token", s.serveToken)
	mux.Handle("GET /api/v1/users/self", s.api(s.usersSelf))
	mux.Handle("GET /api/v1/accounts/{id}", s.api(s.accountGet))
	mux.Handle("GET /api/v1/accounts/{id}/courses", s.api(s.coursesList))
	mux.Handle("GET /api/v1/accounts/{id}/terms/{term}", s.api(s.termGet))
	mux.Handle("GET /api/v1/courses/{id}", s.api(s.courseGet))
	mux.Handle("GET /api/v1/courses/{id}/enrollments", s.api(s.enrollmentsList))
	mux.Handle("GET /api/v1/courses/{id}/users", s.api(s.courseUsers))
	mux.Handle("GET /api/v1/accounts/{id}/users", s.api(s.accountUsers))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, "The specified resource does not exist.")
	})
	var h http.Handler = mux
	if opts.Fidelity {
		s.rec = fidelity.NewRecorder(Table(), mux)
		h = s.rec
	}
	s.http = httptest.NewServer(h)
	return s
}

func (s *Server) load(d *District) {
	for _, a := range d.Accounts {
		s.accounts[a.ID] = &a
		if a.ParentID == 0 && s.root == 0 {
			s.root = a.ID
		}
		s.nextID = max(s.nextID, a.ID)
	}
	for _, t := range d.Terms {
		s.terms[t.ID] = &t
	}
	for _, c := range d.Courses {
		s.courses[c.ID] = &c
		s.courseIDs = append(s.courseIDs, c.ID)
		s.nextID = max(s.nextID, c.ID)
	}
	slices.Sort(s.courseIDs)
	for _, u := range d.Users {
		s.users[u.ID] = &u
		s.nextID = max(s.nextID, u.ID)
	}
	for _, e := range d.Enrollments {
		s.rosters[e.CourseID] = append(s.rosters[e.CourseID], &e)
		s.nextID = max(s.nextID, e.ID)
	}
	for id := range s.rosters {
		s.sortRoster(id)
	}
}

func (s *Server) sortRoster(courseID int64) {
	slices.SortFunc(s.rosters[courseID], func(a, b *Enrollment) int {
		return compareEnrollment(a.Type, s.users[a.UserID].SortableName, a.ID, b.Type, s.users[b.UserID].SortableName, b.ID)
	})
}

// Fidelity is the recorder checking the fake against FIDELITY.md, nil
// unless Options.Fidelity was set. Call its Check at the end of a test.
func (s *Server) Fidelity() *fidelity.Recorder { return s.rec }

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// URL is the Canvas base URL (scheme and host), without a trailing slash.
func (s *Server) URL() string { return s.http.URL }

// TokenURL is the OAuth2 token endpoint.
func (s *Server) TokenURL() string { return s.http.URL + "/login/oauth2/token" }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	c := &s.count
	return Counts{API: c.api.Load(), EnrollmentPages: c.enrollmentPages.Load(), UserPages: c.userPages.Load(), CoursePages: c.coursePages.Load(),
		Token: c.token.Load(), Unauthorized: c.unauthorized.Load(), Throttled: c.throttled.Load()}
}

// RootAccount is the root account's id.
func (s *Server) RootAccount() int64 { return s.root }

// NewToken issues a personal access token for user id, valid until revoked.
func (s *Server) NewToken(userID int64) string {
	t := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t] = &token{userID: userID}
	return t
}

// AdminToken issues a token for the first admin user of the district.
func (s *Server) AdminToken() string {
	s.mu.RLock()
	var id int64
	for _, u := range s.users {
		if u.Admin && (id == 0 || u.ID < id) {
			id = u.ID
		}
	}
	s.mu.RUnlock()
	return s.NewToken(id)
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "7~" + hex.EncodeToString(b[:])
}

// api wraps a handler with authentication, faults and throttling headers.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request, u *User) *apiError) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.api.Add(1)
		remaining, cost := s.bucket.take(s.now())
		w.Header().Set("X-Request-Cost", strconv.FormatFloat(cost, 'f', -1, 64))
		w.Header().Set("X-Rate-Limit-Remaining", strconv.FormatFloat(remaining, 'f', -1, 64))
		u, aerr := s.authorize(r)
		if aerr != nil {
			s.count.unauthorized.Add(1)
			aerr.write(w)
			return
		}
		if aerr := s.takeFault(); aerr != nil {
			if aerr.throttled {
				s.count.throttled.Add(1)
			}
			aerr.write(w)
			return
		}
		if aerr := h(w, r, u); aerr != nil {
			if aerr.code == http.StatusUnauthorized {
				s.count.unauthorized.Add(1)
			}
			aerr.write(w)
		}
	})
}

// authorize finds the user of the request's token.
func (s *Server) authorize(r *http.Request) (*User, *apiError) {
	tok := r.URL.Query().Get("access_token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, errInvalidToken()
		}
		tok = strings.TrimSpace(rest)
	}
	if tok == "" {
		return nil, &apiError{code: http.StatusUnauthorized, status: "unauthenticated", message: "user authorization required"}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens[tok]
	if !ok || t.revoked || (!t.expires.IsZero() && !s.now().Before(t.expires)) {
		return nil, errInvalidToken()
	}
	u, ok := s.users[t.userID]
	if !ok {
		return nil, errInvalidToken()
	}
	return u, nil
}

// bucketSize is the leaky bucket's high-water mark: X-Rate-Limit-Remaining
// is hwm minus what the bucket holds (RequestThrottle::LeakyBucket
// defaults: hwm 600, outflow 10 a second).
const bucketSize = 600.0

// bucket is Canvas's cost-based quota: each request takes its cost, time
// gives it back. The fake's requests are cheap, so it only ever runs dry
// through the RateLimit switch, but the headers move as Canvas's do.
type bucket struct {
	mu        sync.Mutex
	remaining float64
	at        time.Time
}

func (b *bucket) take(now time.Time) (remaining, cost float64) {
	const perSecond = 10.0
	cost = 0.0125
	b.mu.Lock()
	defer b.mu.Unlock()
	b.remaining = min(bucketSize, b.remaining+now.Sub(b.at).Seconds()*perSecond) - cost
	b.at = now
	return max(b.remaining, 0), cost
}
