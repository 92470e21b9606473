package fake

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the fake's fidelity table.
func Table() *fidelity.Table { return fidelity.MustParse("brightspace/fake/FIDELITY.md", fidelityMD) }

// Defaults.
const (
	DefaultPageSize = 100    // items per paged result set
	BucketSize      = 50_000 // API credits a minute per app (D2L's bucket)
	RequestCost     = 10     // credits per call
)

// DefaultVersions are the lp versions the fake serves, latest last.
var DefaultVersions = []string{"1.45", "1.46", "1.47"}

// Options configure a fake server.
type Options struct {
	District *District // served; the server takes it over
	// Now is the server's clock (token expiry, the credit bucket); nil: time.Now.
	Now      func() time.Time
	TokenTTL time.Duration // lifetime of access tokens; zero: one hour
	PageSize int           // items per page of a paged result set; zero: DefaultPageSize
	Versions []string      // lp versions served, latest last; nil: DefaultVersions
	// Unlimited turns the credit bucket off (benchmarks); throttling is
	// then only what RateLimit arms.
	Unlimited bool
	// Fidelity wraps the handler in a fidelity.Recorder (Server.Fidelity).
	Fidelity bool
}

// Server is a running fake Brightspace tenant and its token endpoint.
type Server struct {
	http     *httptest.Server
	rec      *fidelity.Recorder
	now      func() time.Time
	tokenTTL time.Duration
	pageSize int
	versions []string
	client   string
	secret   string

	mu       sync.RWMutex
	types    map[int]OrgUnitType
	units    map[int]*OrgUnit
	unitIDs  []int // sorted
	children map[int][]int
	roles    map[int]Role
	users    map[int]*User
	rosters  map[int][]*Enrollment // by org unit, in enrollment order
	access   map[string]accessToken
	refresh  map[string]int // live refresh token -> user
	hidden   map[int]bool   // role ids the caller may not search for
	hideAll  bool
	nextUser int

	bucket bucket
	faults fakefault.Set[struct{}]
	count  counters
}

type accessToken struct {
	userID  int
	expires time.Time
}

type counters struct {
	api, enrollmentPages, token, unauthorized, throttled atomic.Int64
}

// Counts are the requests the server answered, by kind.
type Counts struct {
	API             int64 // every /d2l/api request, refused ones included
	EnrollmentPages int64 // enrollment list requests, failed ones included
	Token           int64 // token requests
	Unauthorized    int64 // 401 answers
	Throttled       int64 // 429 answers
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{now: opts.Now, tokenTTL: opts.TokenTTL, pageSize: opts.PageSize, versions: opts.Versions,
		types: map[int]OrgUnitType{}, units: map[int]*OrgUnit{}, children: map[int][]int{}, roles: map[int]Role{},
		users: map[int]*User{}, rosters: map[int][]*Enrollment{}, access: map[string]accessToken{}, refresh: map[string]int{},
		hidden: map[int]bool{}, client: "rollcall-" + randomHex(4), secret: randomHex(16)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = time.Hour
	}
	if s.pageSize <= 0 {
		s.pageSize = DefaultPageSize
	}
	if len(s.versions) == 0 {
		s.versions = DefaultVersions
	}
	s.bucket = bucket{unlimited: opts.Unlimited, remaining: BucketSize, start: s.now()}
	d := opts.District
	if d == nil {
		d = &District{}
	}
	s.load(d)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /core/connect/token", s.serveToken)
	mux.Handle("GET /d2l/api/versions/", s.api(s.versionsList))
	mux.Handle("GET /d2l/api/lp/{version}/users/whoami", s.api(s.whoami))
	mux.Handle("GET /d2l/api/lp/{version}/enrollments/orgUnits/{orgUnitId}/users/", s.api(s.enrollmentsList))
	mux.Handle("GET /d2l/api/lp/{version}/orgstructure/{orgUnitId}", s.api(s.orgUnitGet))
	mux.Handle("GET /d2l/api/lp/{version}/orgstructure/{orgUnitId}/descendants/paged/", s.api(s.descendants))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	var h http.Handler = mux
	if opts.Fidelity {
		s.rec = fidelity.NewRecorder(Table(), mux)
		h = s.rec
	}
	s.http = httptest.NewServer(h)
	return s
}

func (s *Server) load(d *District) {
	types := d.Types
	if len(types) == 0 {
		types = DefaultTypes
	}
	for _, t := range types {
		s.types[t.ID] = t
	}
	for i := range d.OrgUnits {
		ou := d.OrgUnits[i]
		s.units[ou.ID] = &ou
		s.unitIDs = append(s.unitIDs, ou.ID)
		for _, p := range ou.Parents {
			s.children[p] = append(s.children[p], ou.ID)
		}
	}
	slices.Sort(s.unitIDs)
	for _, r := range d.Roles {
		s.roles[r.ID] = r
	}
	for i := range d.Users {
		u := d.Users[i]
		s.users[u.ID] = &u
		s.nextUser = max(s.nextUser, u.ID)
	}
	for i := range d.Enrollments {
		e := d.Enrollments[i]
		s.rosters[e.OrgUnitID] = append(s.rosters[e.OrgUnitID], &e)
	}
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// URL is the tenant's base URL, without a trailing slash.
func (s *Server) URL() string { return s.http.URL }

// TokenURL is the OAuth 2 token endpoint (D2L's is on auth.brightspace.com;
// the fake serves it beside the API).
func (s *Server) TokenURL() string { return s.http.URL + "/core/connect/token" }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// ClientCredentials are the registered OAuth 2 client's id and secret.
func (s *Server) ClientCredentials() (id, secret string) { return s.client, s.secret }

// Fidelity is the recorder Options.Fidelity asked for, or nil.
func (s *Server) Fidelity() *fidelity.Recorder { return s.rec }

// IssueRefreshToken stands for the OAuth 2 authorization-code step: a
// refresh token for userID, as an admin obtains one by consenting once.
func (s *Server) IssueRefreshToken(userID int) string {
	t := "rt." + randomHex(20)
	s.mu.Lock()
	s.refresh[t] = userID
	s.mu.Unlock()
	return t
}

// LiveRefreshTokens counts the refresh tokens that can still be spent.
func (s *Server) LiveRefreshTokens() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.refresh)
}

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	c := &s.count
	return Counts{API: c.api.Load(), EnrollmentPages: c.enrollmentPages.Load(), Token: c.token.Load(),
		Unauthorized: c.unauthorized.Load(), Throttled: c.throttled.Load()}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// bucket is D2L's per-minute credit bucket: it refills whole at the top
// of each minute of its window.
type bucket struct {
	mu        sync.Mutex
	unlimited bool
	remaining int
	start     time.Time
}

func (b *bucket) take(now time.Time) (ok bool, remaining int, reset time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !now.Before(b.start.Add(time.Minute)) {
		b.start = b.start.Add(time.Minute)
		b.remaining = BucketSize
	}
	reset = b.start.Add(time.Minute).Sub(now)
	if b.unlimited {
		return true, BucketSize, reset
	}
	if b.remaining < RequestCost {
		return false, 0, reset
	}
	b.remaining -= RequestCost
	return true, b.remaining, reset
}

// SpendCredits takes n credits from the current minute's bucket, as the
// tenant's other integrations sharing the app would.
func (s *Server) SpendCredits(n int) {
	s.bucket.mu.Lock()
	s.bucket.remaining = max(s.bucket.remaining-n, 0)
	s.bucket.mu.Unlock()
}
