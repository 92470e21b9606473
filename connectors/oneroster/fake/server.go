package fake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// Base paths of the two REST bindings.
const (
	Base11 = "/ims/oneroster/v1p1"
	Base12 = "/ims/oneroster/rostering/v1p2"
)

// Options configure a fake server.
type Options struct {
	// District is served; nil: Generate(1, 200, 8). The server takes it
	// over: change it only through the Server's methods.
	District *District
	// MaxLimit caps limit silently, as servers do; default 1000.
	MaxLimit int
	// RetryAfter is the wait a rate limit asks for; default 2s.
	RetryAfter time.Duration
	// Credentials; defaults are fixed test values.
	ConsumerKey, ConsumerSecret string
	ClientID, ClientSecret      string
	// TokenTTL of 1.2 access tokens; default 3600s.
	TokenTTL time.Duration
	// Now is the server's clock (timestamps, token expiry, changes).
	Now func() time.Time
	// Fidelity serves every request through a fidelity recorder holding
	// the fake to FIDELITY.md (see CheckFidelity). Tests set it;
	// benchmarks leave it off, as the recorder buffers every body.
	Fidelity bool
}

// Server is a running fake OneRoster 1.1 and 1.2 rostering service.
type Server struct {
	http       *httptest.Server
	now        func() time.Time
	maxLimit   int
	retryAfter time.Duration
	tokenTTL   time.Duration

	mu       sync.RWMutex
	d        *District
	bySchool map[string][]int // school → enrollment indexes, sorted by sourcedId
	byClass  map[string][]int

	auth           sync.Mutex
	consumerKey    string
	consumerSecret string
	clientID       string
	clientSecret   string
	tokens         map[string]*issuedToken
	nonces         map[string]time.Time

	faults faults
	count  counters
	rec    *recording
}

type counters struct {
	list, api, token, refused atomic.Int64
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{
		now: opts.Now, maxLimit: opts.MaxLimit, retryAfter: opts.RetryAfter, tokenTTL: opts.TokenTTL, d: opts.District,
		consumerKey: opts.ConsumerKey, consumerSecret: opts.ConsumerSecret, clientID: opts.ClientID, clientSecret: opts.ClientSecret,
		tokens: map[string]*issuedToken{}, nonces: map[string]time.Time{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxLimit <= 0 {
		s.maxLimit = 1000
	}
	if s.retryAfter <= 0 {
		s.retryAfter = 2 * time.Second
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = time.Hour
	}
	if s.d == nil {
		s.d = Generate(1, 200, 8)
	}
	defaults := []struct {
		v   *string
		def string
	}{
		{&s.consumerKey, "rollcall-fake-consumer"}, {&s.consumerSecret, "fake consumer secret/1.1+&"},
		{&s.clientID, "rollcall-fake-client"}, {&s.clientSecret, "fake:client secret/1.2+&"},
	}
	for _, d := range defaults {
		if *d.v == "" {
			*d.v = d.def
		}
	}
	s.d.sort()
	s.reindex()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.serveToken)
	for _, base := range []string{Base11, Base12} {
		v12 := base == Base12
		route := func(pattern string, h func(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo) {
			mux.Handle("GET "+base+pattern, s.api(base, v12, h))
		}
		route("/users", s.listUsers)
		route("/users/{id}", s.getUser)
		route("/orgs", s.listOrgs)
		route("/orgs/{id}", s.getOrg)
		route("/schools", s.listOrgs)
		route("/schools/{id}", s.getOrg)
		route("/classes", s.listClasses)
		route("/classes/{id}", s.getClass)
		route("/schools/{id}/classes", s.listClasses)
		route("/classes/{id}/students", s.listClassUsers)
		route("/classes/{id}/teachers", s.listClassUsers)
		route("/enrollments", s.listEnrollments)
		route("/schools/{id}/enrollments", s.listEnrollments)
		route("/schools/{school}/classes/{id}/enrollments", s.listEnrollments)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		errNotFound("Endpoint " + r.URL.Path).write(w)
	})
	s.rec = &recording{rec: fidelity.NewRecorder(Table(), mux), mux: mux}
	s.rec.on.Store(opts.Fidelity)
	s.http = httptest.NewServer(s.rec)
	return s
}

// URL is the service root, the connector's base_url.
func (s *Server) URL() string { return s.http.URL }

// TokenURL is the 1.2 token endpoint.
func (s *Server) TokenURL() string { return s.http.URL + "/token" }

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// Credentials returns the current 1.1 consumer key and secret and 1.2
// client id and secret.
func (s *Server) Credentials() (consumerKey, consumerSecret, clientID, clientSecret string) {
	s.auth.Lock()
	defer s.auth.Unlock()
	return s.consumerKey, s.consumerSecret, s.clientID, s.clientSecret
}

// Counts are the requests the server has answered.
type Counts struct {
	List    int64 // listing (collection) requests, failed ones included
	API     int64 // API requests of any kind
	Token   int64 // token endpoint requests
	Refused int64 // requests refused for their credentials
}

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	return Counts{List: s.count.list.Load(), API: s.count.api.Load(), Token: s.count.token.Load(), Refused: s.count.refused.Load()}
}

// Requests counts listing requests; the conformance suite reads it.
func (s *Server) Requests() int { return int(s.count.list.Load()) }

// api wraps a handler with what every call goes through: the version's
// authentication, then the fault switches.
func (s *Server) api(base string, v12 bool, h func(http.ResponseWriter, *http.Request, string, bool) *statusInfo) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.api.Add(1)
		var e *statusInfo
		if v12 {
			e = s.verifyBearer(r)
		} else {
			e = s.verifyOAuth1(r)
		}
		if e == nil {
			e = s.takeFault()
		}
		if e == nil {
			e = h(w, r, base, v12)
		}
		if e != nil {
			e.write(w)
		}
	})
}

// window is one listing request's paging: limit and offset as asked, the
// limit capped, the page number for FailOnPage.
type window struct {
	limit, offset, page int
	filter              *filter
}

func (s *Server) window(r *http.Request, fields func(string) bool) (window, *statusInfo) {
	q := r.URL.Query()
	w := window{limit: 100}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return w, errBadRequest("invalid_selection_field", fmt.Sprintf("limit %q must be a positive whole number", v))
		}
		w.limit = n
	}
	w.limit = min(w.limit, s.maxLimit)
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return w, errBadRequest("invalid_selection_field", fmt.Sprintf("offset %q must be a whole number, 0 or more", v))
		}
		w.offset = n
	}
	w.page = w.offset/w.limit + 1
	if v := q.Get("filter"); v != "" {
		f, e := parseFilter(v, fields)
		if e != nil {
			return w, e
		}
		w.filter = f
	}
	return w, nil
}

// servePage answers one page of a listing: total is the filtered count,
// render the records of [lo, hi). It applies the page faults, sets
// X-Total-Count and Link, and writes {key: [...]}.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, win window, key string, total int, render func(lo, hi int) []any) *statusInfo {
	pf, ok := s.faults.AtPage(r.Context(), win.page)
	if !ok {
		return nil
	}
	failCode, truncate := pf.FailCode, pf.Truncate
	if failCode == 503 {
		return &statusInfo{code: 503, codeMinor: "server_busy", description: "Service unavailable: try again later."}
	}
	if failCode != 0 {
		return errBadRequest("invaliddata", fmt.Sprintf("page %d cannot be served", win.page))
	}
	lo := min(win.offset, total)
	hi := min(lo+win.limit, total)
	items := render(lo, hi)
	var body bytes.Buffer
	body.WriteString("{")
	k, _ := json.Marshal(key)
	body.Write(k)
	body.WriteString(":")
	if err := json.NewEncoder(&body).Encode(items); err != nil {
		return errServer(500)
	}
	body.WriteString("}")

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Total-Count", strconv.Itoa(total))
	h.Set("Link", s.links(r, win, total))
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	w.WriteHeader(http.StatusOK)
	if truncate {
		_, _ = w.Write(body.Bytes()[:body.Len()/2])
		panic(http.ErrAbortHandler) // the connection ends mid-body
	}
	_, _ = w.Write(body.Bytes())
	return nil
}

// links is the Link header: next (while records remain), last, first,
// prev (after the first page).
func (s *Server) links(r *http.Request, win window, total int) string {
	at := func(offset int) string {
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(win.limit))
		q.Set("offset", strconv.Itoa(offset))
		return s.http.URL + r.URL.Path + "?" + q.Encode()
	}
	last := 0
	if total > 0 {
		last = (total - 1) / win.limit * win.limit
	}
	var parts []string
	if win.offset+win.limit < total {
		parts = append(parts, fmt.Sprintf("<%s>; rel=\"next\"", at(win.offset+win.limit)))
	}
	parts = append(parts, fmt.Sprintf("<%s>; rel=\"last\"", at(last)), fmt.Sprintf("<%s>; rel=\"first\"", at(0)))
	if win.offset > 0 {
		parts = append(parts, fmt.Sprintf("<%s>; rel=\"prev\"", at(max(win.offset-win.limit, 0))))
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out += ", " + p
	}
	return out
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.count.list.Add(1)
	win, e := s.window(r, userFields)
	if e != nil {
		return e
	}
	s.mu.RLock()
	users := s.d.Users
	if s.faults.Empty() {
		users = nil
	}
	if win.filter != nil {
		var kept []User
		for i := range users {
			if win.filter.match(userField(&users[i])) {
				kept = append(kept, users[i])
			}
		}
		users = kept
	}
	s.mu.RUnlock()
	return s.servePage(w, r, win, "users", len(users), func(lo, hi int) []any {
		s.mu.RLock()
		defer s.mu.RUnlock()
		out := make([]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			out = append(out, s.renderUser(base, v12, &users[i]))
		}
		return out
	})
}

// listClassUsers serves /classes/{id}/students and /teachers: the users
// with a current enrollment of that role in the class (not tobedeleted,
// not past its endDate by the server's clock).
func (s *Server) listClassUsers(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.count.list.Add(1)
	id := r.PathValue("id")
	role := "student"
	if strings.HasSuffix(r.URL.Path, "/teachers") {
		role = "teacher"
	}
	win, e := s.window(r, userFields)
	if e != nil {
		return e
	}
	s.mu.RLock()
	if s.d.class(id) == nil {
		s.mu.RUnlock()
		return errNotFound("Class " + id)
	}
	var users []*User
	today := s.now().UTC().Format("2006-01-02")
	if !s.faults.Empty() {
		for _, i := range s.byClass[id] {
			en := &s.d.Enrollments[i]
			if en.Role != role || en.Status == StatusToBeDeleted || (en.EndDate != "" && en.EndDate < today) {
				continue
			}
			if u := s.d.user(en.User); u != nil && win.filter.match(userField(u)) {
				users = append(users, u)
			}
		}
	}
	sort.Slice(users, func(i, j int) bool { return users[i].SourcedID < users[j].SourcedID })
	s.mu.RUnlock()
	return s.servePage(w, r, win, "users", len(users), func(lo, hi int) []any {
		s.mu.RLock()
		defer s.mu.RUnlock()
		out := make([]any, 0, hi-lo)
		for _, u := range users[lo:hi] {
			out = append(out, s.renderUser(base, v12, u))
		}
		return out
	})
}

func (s *Server) listEnrollments(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.count.list.Add(1)
	win, e := s.window(r, enrollmentFields)
	if e != nil {
		return e
	}
	school, class := r.PathValue("school"), r.PathValue("id")
	byClass := school != ""
	if !byClass && class != "" { // /schools/{id}/enrollments
		school, class = class, ""
	}
	s.mu.RLock()
	var idx []int
	switch {
	case byClass:
		if c := s.d.class(class); c == nil || c.School != school {
			s.mu.RUnlock()
			return errNotFound("Class " + class + " of school " + school)
		}
		idx = s.byClass[class]
	case school != "":
		if o := s.d.org(school); o == nil || o.Type != "school" {
			s.mu.RUnlock()
			return errNotFound("School " + school)
		}
		idx = s.bySchool[school]
	default:
		idx = make([]int, len(s.d.Enrollments))
		for i := range idx {
			idx[i] = i
		}
	}
	if s.faults.Empty() {
		idx = nil
	}
	if win.filter != nil {
		var kept []int
		for _, i := range idx {
			if win.filter.match(enrollmentField(&s.d.Enrollments[i])) {
				kept = append(kept, i)
			}
		}
		idx = kept
	}
	s.mu.RUnlock()
	return s.servePage(w, r, win, "enrollments", len(idx), func(lo, hi int) []any {
		s.mu.RLock()
		defer s.mu.RUnlock()
		out := make([]any, 0, hi-lo)
		for _, i := range idx[lo:hi] {
			out = append(out, s.renderEnrollment(base, v12, &s.d.Enrollments[i]))
		}
		return out
	})
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.count.list.Add(1)
	win, e := s.window(r, orgFields)
	if e != nil {
		return e
	}
	schoolsOnly := strings.HasSuffix(r.URL.Path, "/schools")
	s.mu.RLock()
	var orgs []Org
	for _, o := range s.d.Orgs {
		if (!schoolsOnly || o.Type == "school") && win.filter.match(orgField(&o)) {
			orgs = append(orgs, o)
		}
	}
	s.mu.RUnlock()
	return s.servePage(w, r, win, "orgs", len(orgs), func(lo, hi int) []any {
		out := make([]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			out = append(out, s.renderOrg(base, v12, &orgs[i]))
		}
		return out
	})
}

func (s *Server) listClasses(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.count.list.Add(1)
	win, e := s.window(r, classFields)
	if e != nil {
		return e
	}
	school := r.PathValue("id")
	s.mu.RLock()
	if school != "" && s.d.org(school) == nil {
		s.mu.RUnlock()
		return errNotFound("School " + school)
	}
	var classes []Class
	for _, c := range s.d.Classes {
		if (school == "" || c.School == school) && win.filter.match(classField(&c)) {
			classes = append(classes, c)
		}
	}
	s.mu.RUnlock()
	return s.servePage(w, r, win, "classes", len(classes), func(lo, hi int) []any {
		out := make([]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			out = append(out, s.renderClass(base, v12, &classes[i]))
		}
		return out
	})
}

func writeOne(w http.ResponseWriter, key string, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{key: v})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.d.user(r.PathValue("id"))
	if u == nil {
		return errNotFound("User " + r.PathValue("id"))
	}
	writeOne(w, "user", s.renderUser(base, v12, u))
	return nil
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.d.org(r.PathValue("id"))
	schoolsOnly := strings.Contains(r.URL.Path, "/schools/")
	if o == nil || (schoolsOnly && o.Type != "school") {
		what := "Org "
		if schoolsOnly {
			what = "School "
		}
		return errNotFound(what + r.PathValue("id"))
	}
	writeOne(w, "org", s.renderOrg(base, v12, o))
	return nil
}

func (s *Server) getClass(w http.ResponseWriter, r *http.Request, base string, v12 bool) *statusInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.d.class(r.PathValue("id"))
	if c == nil {
		return errNotFound("Class " + r.PathValue("id"))
	}
	writeOne(w, "class", s.renderClass(base, v12, c))
	return nil
}

// reindex rebuilds the enrollment indexes. Callers hold s.mu for writing
// (or own the server alone).
func (s *Server) reindex() {
	s.bySchool = map[string][]int{}
	s.byClass = map[string][]int{}
	for i := range s.d.Enrollments {
		e := &s.d.Enrollments[i]
		s.bySchool[e.School] = append(s.bySchool[e.School], i)
		s.byClass[e.Class] = append(s.byClass[e.Class], i)
	}
}
