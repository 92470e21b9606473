package fake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// Paging limits. Schoology's documented lists show start=0&limit=20; 200
// is the most the fake hands out in one page, a larger limit is capped.
const (
	DefaultLimit = 20
	MaxLimit     = 200
)

// Options configure a fake.
type Options struct {
	District *District // served; the server takes it over
	// Key and Secret are the consumer key and secret it accepts; empty:
	// generated (see Credentials).
	Key, Secret string
	Now         func() time.Time // nil: time.Now
	// Record, when set, wraps the handler in a fidelity.Recorder of the
	// fake's FIDELITY.md and hands it over, for tests to Check; benchmarks
	// leave it nil.
	Record func(*fidelity.Recorder)
}

// Server is a running fake Schoology.
type Server struct {
	http *httptest.Server
	now  func() time.Time

	mu      sync.Mutex // one request at a time; the index is rebuilt after changes
	d       *District
	idx     *index
	key     string
	secret  string
	revoked bool
	nonces  map[string]bool // timestamp:nonce seen
	lastTS  int64

	faults fakefault.Set[struct{}]
	count  struct{ api, enrollmentPages, userCalls, unauthorized, throttled atomic.Int64 }
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{now: opts.Now, d: opts.District, key: opts.Key, secret: opts.Secret, nonces: map[string]bool{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.d == nil {
		s.d = Generate(1, 40, 6)
	}
	if s.key == "" {
		s.key, s.secret = "3f9a2b7c1d4e5f60718293a4b5c6d7e8", "9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3"
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/roles", s.api(s.roles))
	mux.Handle("GET /v1/schools/{id}", s.api(s.school))
	mux.Handle("GET /v1/schools/{id}/buildings", s.api(s.buildings))
	mux.Handle("GET /v1/courses", s.api(s.courses))
	mux.Handle("GET /v1/courses/{id}", s.api(s.course))
	mux.Handle("GET /v1/courses/{id}/sections", s.api(s.sections))
	mux.Handle("GET /v1/sections/{id}", s.api(s.section))
	mux.Handle("GET /v1/sections/{id}/enrollments", s.api(s.enrollments))
	mux.Handle("GET /v1/users", s.api(s.users))
	mux.Handle("GET /v1/users/{id}", s.api(s.user))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { plain(w, http.StatusNotFound, "Not Found") })
	var h http.Handler = mux
	if opts.Record != nil {
		rec := fidelity.NewRecorder(Table(), mux)
		opts.Record(rec)
		h = rec
	}
	s.http = httptest.NewServer(h)
	return s
}

// URL is the API's base address (requests go to URL + "/v1/...").
func (s *Server) URL() string { return s.http.URL }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// Credentials are the consumer key and secret the server accepts.
func (s *Server) Credentials() (key, secret string) { return s.key, s.secret }

// Counts are requests answered: all API calls, enrollment pages (failed
// ones included), user lookups and lists, 401s, 429s.
type Counts struct{ API, EnrollmentPages, UserCalls, Unauthorized, Throttled int64 }

// Counts reports the requests answered so far.
func (s *Server) Counts() Counts {
	return Counts{s.count.api.Load(), s.count.enrollmentPages.Load(), s.count.userCalls.Load(),
		s.count.unauthorized.Load(), s.count.throttled.Load()}
}

// Messages the fake answers with for a refused signature.
const (
	MsgBadSignature = "Invalid OAuth signature"
	MsgReplay       = "Duplicate timestamp/nonce combination, possible replay attack. Request rejected."
	MsgBadKey       = "Invalid consumer key"
)

type handler func(w http.ResponseWriter, r *http.Request) (any, int)

// api checks the OAuth signature, applies the faults, and writes the
// handler's answer as JSON.
func (s *Server) api(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.api.Add(1)
		if msg := s.verify(r); msg != "" {
			s.count.unauthorized.Add(1)
			plain(w, http.StatusUnauthorized, msg)
			return
		}
		if req, ok := s.faults.Take(); ok {
			if req.RateLimited {
				s.count.throttled.Add(1)
				if req.RetryAfter > 0 {
					w.Header().Set("Retry-After", strconv.Itoa(int((req.RetryAfter+time.Second-1)/time.Second)))
				}
				plain(w, http.StatusTooManyRequests, "Too Many Requests")
				return
			}
			plain(w, req.Code, http.StatusText(req.Code))
			return
		}
		v, code := h(w, r)
		if code == 0 {
			return // the handler wrote the answer
		}
		if code != http.StatusOK {
			plain(w, code, v.(string))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	})
}

func plain(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg))
}

// page reads start and limit as Schoology does: defaults 0 and 20, limit
// capped at 200, nonsense read as the default.
func page(r *http.Request) (start, limit int) {
	start, _ = strconv.Atoi(r.URL.Query().Get("start"))
	limit, _ = strconv.Atoi(r.URL.Query().Get("limit"))
	if start < 0 {
		start = 0
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	return start, min(limit, MaxLimit)
}

// links is the "links" object of a list: self, and next while more remain.
func (s *Server) links(r *http.Request, start, limit, total int) map[string]string {
	at := func(st int) string {
		q := r.URL.Query()
		q.Set("start", strconv.Itoa(st))
		q.Set("limit", strconv.Itoa(limit))
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	l := map[string]string{"self": at(start)}
	if start+limit < total {
		l["next"] = at(start + limit)
	}
	return l
}

func window[T any](all []T, start, limit int) []T {
	if start >= len(all) {
		return []T{}
	}
	return all[start:min(start+limit, len(all))]
}

func id(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return n
}

func (s *Server) roles(w http.ResponseWriter, r *http.Request) (any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []roleJSON
	for _, ro := range s.d.Roles {
		out = append(out, roleJSON{ID: strconv.FormatInt(ro.ID, 10), Title: ro.Title, Faculty: b01(ro.Faculty), RoleType: 1,
			Links: map[string]string{"self": "http://" + r.Host + "/v1/roles/" + strconv.FormatInt(ro.ID, 10)}})
	}
	return map[string]any{"role": out}, http.StatusOK
}

func (s *Server) school(w http.ResponseWriter, r *http.Request) (any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id(r) != s.d.School.ID {
		return "Not Found", http.StatusNotFound
	}
	return map[string]any{"id": strconv.FormatInt(s.d.School.ID, 10), "title": s.d.School.Title}, http.StatusOK
}

func (s *Server) buildings(w http.ResponseWriter, r *http.Request) (any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id(r) != s.d.School.ID {
		return "Not Found", http.StatusNotFound
	}
	out := []map[string]any{}
	for _, b := range s.d.Buildings {
		out = append(out, map[string]any{"id": strconv.FormatInt(b.ID, 10), "title": b.Title})
	}
	return map[string]any{"building": out}, http.StatusOK
}

func (s *Server) courseJSON(c *Course) courseJSON {
	return courseJSON{ID: c.ID, Title: c.Title, CourseCode: c.Code, Synced: 1, BuildingID: strconv.FormatInt(c.BuildingID, 10)}
}

func (s *Server) courses(w http.ResponseWriter, r *http.Request) (any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []courseJSON
	b, _ := strconv.ParseInt(r.URL.Query().Get("building_id"), 10, 64)
	for i := range s.d.Courses {
		if b == 0 || s.d.Courses[i].BuildingID == b {
			all = append(all, s.courseJSON(&s.d.Courses[i]))
		}
	}
	start, limit := page(r)
	return listJSON{"course", window(all, start, limit), len(all), s.links(r, start, limit, len(all))}, http.StatusOK
}

func (s *Server) course(w http.ResponseWriter, r *http.Request) (any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.d.Courses {
		if s.d.Courses[i].ID == id(r) {
			return s.courseJSON(&s.d.Courses[i]), http.StatusOK
		}
	}
	return "Not Found", http.StatusNotFound
}

func (s *Server) sectionJSON(r *http.Request, sec *Section) sectionJSON {
	var c *Course
	for i := range s.d.Courses {
		if s.d.Courses[i].ID == sec.CourseID {
			c = &s.d.Courses[i]
		}
	}
	out := sectionJSON{ID: strconv.FormatInt(sec.ID, 10), CourseID: strconv.FormatInt(sec.CourseID, 10),
		SchoolID: strconv.FormatInt(s.d.School.ID, 10), SectionTitle: sec.Title, Synced: "0", Active: b01(!sec.Past),
		Links: map[string]string{"self": "http://" + r.Host + "/v1/sections/" + strconv.FormatInt(sec.ID, 10)}}
	if c != nil {
		out.CourseTitle, out.CourseCode = c.Title, c.Code
	}
	return out
}

func (s *Server) sections(w http.ResponseWriter, r *http.Request) (any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cid := id(r)
	found := false
	for _, c := range s.d.Courses {
		found = found || c.ID == cid
	}
	if !found {
		return "Not Found", http.StatusNotFound
	}
	past := r.URL.Query().Get("include_past") == "1"
	var all []sectionJSON
	for i := range s.d.Sections {
		sec := &s.d.Sections[i]
		if sec.CourseID == cid && (past || !sec.Past) {
			all = append(all, s.sectionJSON(r, sec))
		}
	}
	start, limit := page(r)
	return listJSON{"section", window(all, start, limit), len(all), s.links(r, start, limit, len(all))}, http.StatusOK
}

func (s *Server) section(w http.ResponseWriter, r *http.Request) (any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.d.Sections {
		if s.d.Sections[i].ID == id(r) {
			return s.sectionJSON(r, &s.d.Sections[i]), http.StatusOK
		}
	}
	return "Not Found", http.StatusNotFound
}

func (s *Server) enrollments(w http.ResponseWriter, r *http.Request) (any, int) {
	s.count.enrollmentPages.Add(1)
	start, limit := page(r)
	pf, ok := s.faults.AtPage(r.Context(), start/limit+1)
	if !ok {
		return nil, 0
	}
	if pf.FailCode != 0 {
		return http.StatusText(pf.FailCode), pf.FailCode
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.ix()
	sid := id(r)
	if !ix.sections[sid] {
		return "Not Found", http.StatusNotFound
	}
	q := r.URL.Query()
	statuses := map[string]bool{}
	for _, st := range strings.Split(q.Get("enrollment_status"), ",") {
		if st != "" {
			statuses[st] = true
		}
	}
	typ := q.Get("type") // admin or member
	all := []enrollmentJSON{}
	if !pf.Empty {
		for _, k := range ix.bySection[sid] {
			e := &s.d.Enrollments[k]
			u := ix.users[e.UID]
			if u == nil || u.Inactive ||
				(len(statuses) > 0 && !statuses[strconv.Itoa(e.Status)]) ||
				(typ == "admin" && !e.Admin) || (typ == "member" && e.Admin) {
				continue
			}
			all = append(all, enrollmentJSON{ID: strconv.FormatInt(e.ID, 10), UID: strconv.FormatInt(e.UID, 10), SchoolUID: u.SchoolUID,
				NameTitleShow: "0", NameFirst: u.First, NameMiddleShow: "0", NameLast: u.Last, NameDisplay: u.First + " " + u.Last,
				Admin: b01(e.Admin), Status: strconv.Itoa(e.Status), PictureURL: "http://" + r.Host + "/images/default_user.gif",
				Links: map[string]string{"self": "http://" + r.Host + "/v1/sections/" + strconv.FormatInt(sid, 10) + "/enrollments/" + strconv.FormatInt(e.ID, 10)}})
		}
	}
	return listJSON{"enrollment", window(all, start, limit), len(all), s.links(r, start, limit, len(all))}, http.StatusOK
}

// index is what the handlers look up, rebuilt after the district changes.
type index struct {
	users     map[int64]*User
	active    []int // indexes of active users in d.Users, in order
	sections  map[int64]bool
	bySection map[int64][]int // indexes into d.Enrollments
}

// ix returns the index, building it when the district changed; s.mu held.
func (s *Server) ix() *index {
	if s.idx != nil {
		return s.idx
	}
	ix := &index{users: make(map[int64]*User, len(s.d.Users)), sections: map[int64]bool{}, bySection: map[int64][]int{}}
	for i := range s.d.Users {
		ix.users[s.d.Users[i].UID] = &s.d.Users[i]
		if !s.d.Users[i].Inactive {
			ix.active = append(ix.active, i)
		}
	}
	for _, sec := range s.d.Sections {
		ix.sections[sec.ID] = true
	}
	for i, e := range s.d.Enrollments {
		ix.bySection[e.SectionID] = append(ix.bySection[e.SectionID], i)
	}
	s.idx = ix
	return ix
}

func userJSONOf(schoolID int64, u *User) userJSON {
	return userJSON{UID: strconv.FormatInt(u.UID, 10), ID: u.UID, SchoolID: schoolID, SchoolUID: u.SchoolUID, BuildingID: u.BuildingID,
		NameFirst: u.First, NameLast: u.Last, NameDisplay: u.First + " " + u.Last, Username: u.Username, PrimaryEmail: u.Email,
		RoleID: u.RoleID, TZName: "America/New_York"}
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) (any, int) {
	s.count.userCalls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _ := strconv.ParseInt(r.URL.Query().Get("building_id"), 10, 64)
	picked := s.ix().active
	if b != 0 {
		picked = nil
		for _, i := range s.ix().active {
			if s.d.Users[i].BuildingID == b {
				picked = append(picked, i)
			}
		}
	}
	start, limit := page(r)
	all := []userJSON{}
	for _, i := range window(picked, start, limit) {
		all = append(all, userJSONOf(s.d.School.ID, &s.d.Users[i]))
	}
	return listJSON{"user", all, len(picked), s.links(r, start, limit, len(picked))}, http.StatusOK
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) (any, int) {
	s.count.userCalls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.ix().users[id(r)]; u != nil && !u.Inactive {
		return userJSONOf(s.d.School.ID, u), http.StatusOK
	}
	return "Not Found", http.StatusNotFound
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Snapshot is a copy of the district as served now.
func (s *Server) Snapshot() *District {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := *s.d
	d.Users = append([]User(nil), s.d.Users...)
	d.Sections = append([]Section(nil), s.d.Sections...)
	d.Enrollments = append([]Enrollment(nil), s.d.Enrollments...)
	return &d
}

// Section ids, sorted.
func (d *District) SectionIDs() []int64 {
	out := make([]int64, 0, len(d.Sections))
	for _, s := range d.Sections {
		out = append(out, s.ID)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
