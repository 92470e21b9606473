package fake

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the fake's fidelity table.
func Table() *fidelity.Table { return fidelity.MustParse("blackboard/fake/FIDELITY.md", fidelityMD) }

// Defaults.
const (
	DefaultQuota    = 10_000         // calls per window per application (Anthology's default)
	DefaultWindow   = 24 * time.Hour // the quota's window
	DefaultLimit    = 100            // page size when limit is absent
	DefaultMaxLimit = 100            // larger limits are cut to this
)

// Options configure a fake server.
type Options struct {
	District *District // served; the server takes it over
	// Now is the server's clock (token expiry, quota window); nil: time.Now.
	Now      func() time.Time
	TokenTTL time.Duration // lifetime of access tokens; zero: one hour
	Quota    int           // calls per Window; zero: DefaultQuota; negative: unlimited
	Window   time.Duration // zero: DefaultWindow
	MaxLimit int           // zero: DefaultMaxLimit
	// Fidelity wraps the handler in a fidelity.Recorder (Server.Fidelity)
	// that notes everything served outside FIDELITY.md. Benchmarks leave
	// it off: it buffers and parses every answer.
	Fidelity bool
}

// Server is a running fake Learn.
type Server struct {
	http     *httptest.Server
	rec      *fidelity.Recorder
	now      func() time.Time
	tokenTTL time.Duration
	maxLimit int
	key      string
	secret   string

	mu          sync.RWMutex
	terms       map[string]*Term
	sources     map[string]*DataSource
	courses     map[string]*Course
	courseOrder []string // primary ids in creation order
	users       map[string]*User
	rosters     map[string][]*Membership // by course primary id
	children    map[string][]string      // parent course -> cross-listed children
	tokens      map[string]time.Time     // access token -> expiry
	nextID      int
	forbidden   bool

	quota  quota
	faults fakefault.Set[struct{}]
	count  counters
}

type counters struct {
	api, memberPages, coursePages, token, unauthorized, throttled atomic.Int64
}

// Counts are the requests the server answered, by kind.
type Counts struct {
	API          int64 // every API request (not the token endpoint), refused ones included
	MemberPages  int64 // membership list requests, failed ones included
	CoursePages  int64 // course list requests
	Token        int64 // token requests
	Unauthorized int64 // 401 answers
	Throttled    int64 // 429 answers
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{now: opts.Now, tokenTTL: opts.TokenTTL, maxLimit: opts.MaxLimit,
		terms: map[string]*Term{}, sources: map[string]*DataSource{}, courses: map[string]*Course{},
		users: map[string]*User{}, rosters: map[string][]*Membership{}, children: map[string][]string{},
		tokens: map[string]time.Time{}, key: randomHex(16), secret: randomHex(16)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = time.Hour
	}
	if s.maxLimit <= 0 {
		s.maxLimit = DefaultMaxLimit
	}
	limit, window := opts.Quota, opts.Window
	if limit == 0 {
		limit = DefaultQuota
	}
	if window <= 0 {
		window = DefaultWindow
	}
	s.quota = quota{limit: limit, window: window, start: s.now()}
	d := opts.District
	if d == nil {
		d = &District{}
	}
	s.load(d)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /learn/api/public/v1/oauth2/token", s.serveToken)
	mux.Handle("GET /learn/api/public/v1/courses/{courseId}/users", s.api(s.membershipsList))
	mux.Handle("GET /learn/api/public/v3/courses", s.api(s.coursesList))
	mux.Handle("GET /learn/api/public/v3/courses/{courseId}", s.api(s.courseGet))
	mux.Handle("GET /learn/api/public/v1/terms/{termId}", s.api(s.termGet))
	mux.Handle("GET /learn/api/public/v1/dataSources/{dataSourceId}", s.api(s.dataSourceGet))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "", "Not Found")
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
	for i := range d.Terms {
		t := d.Terms[i]
		s.terms[t.ID] = &t
	}
	for i := range d.DataSources {
		ds := d.DataSources[i]
		s.sources[ds.ID] = &ds
	}
	for i := range d.Courses {
		c := d.Courses[i]
		s.courses[c.ID] = &c
		s.courseOrder = append(s.courseOrder, c.ID)
		if c.ParentID != "" {
			s.children[c.ParentID] = append(s.children[c.ParentID], c.ID)
		}
	}
	for i := range d.Users {
		u := d.Users[i]
		s.users[u.ID] = &u
	}
	for i := range d.Memberships {
		m := d.Memberships[i]
		s.rosters[m.CourseID] = append(s.rosters[m.CourseID], &m)
	}
	s.nextID = 1_000_000
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// URL is the Learn base URL, without a trailing slash.
func (s *Server) URL() string { return s.http.URL }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Credentials are the registered application's key and secret.
func (s *Server) Credentials() (key, secret string) { return s.key, s.secret }

// Fidelity is the recorder Options.Fidelity asked for, or nil.
func (s *Server) Fidelity() *fidelity.Recorder { return s.rec }

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	c := &s.count
	return Counts{API: c.api.Load(), MemberPages: c.memberPages.Load(), CoursePages: c.coursePages.Load(),
		Token: c.token.Load(), Unauthorized: c.unauthorized.Load(), Throttled: c.throttled.Load()}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// quota is the application's call allowance in a fixed window.
type quota struct {
	mu     sync.Mutex
	limit  int // negative: unlimited
	window time.Duration
	start  time.Time
	used   int
}

// take spends one call; ok is false when the allowance is spent. It
// returns the headers' values.
func (q *quota) take(now time.Time) (ok bool, limit, remaining int, reset time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !now.Before(q.start.Add(q.window)) {
		q.start = q.start.Add(q.window)
		q.used = 0
	}
	reset = q.start.Add(q.window).Sub(now)
	if q.limit < 0 {
		return true, 1 << 31, 1 << 31, reset
	}
	if q.used >= q.limit {
		return false, q.limit, 0, reset
	}
	q.used++
	return true, q.limit, q.limit - q.used, reset
}

// SpendQuota uses up n calls of the current window, as other integrations
// of the same application would.
func (s *Server) SpendQuota(n int) {
	s.quota.mu.Lock()
	s.quota.used = min(s.quota.used+n, max(s.quota.limit, 0))
	s.quota.mu.Unlock()
}

func seconds(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
