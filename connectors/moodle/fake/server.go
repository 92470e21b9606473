package fake

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// Path is where Moodle's REST web-service server answers.
const Path = "/webservice/rest/server.php"

// Options configure a fake.
type Options struct {
	Site *Site // served; the server takes it over
	// Token is the wstoken it accepts; empty: generated (see Token).
	Token string
	// Functions are the functions the token's external service allows;
	// nil: all the fake serves.
	Functions []string
	// Record, when set, wraps the handler in a fidelity.Recorder of the
	// fake's FIDELITY.md and hands it over, for tests to Check.
	Record func(*fidelity.Recorder)
}

// Functions the fake serves.
var Functions = []string{"core_webservice_get_site_info", "core_course_get_categories", "core_course_get_courses",
	"core_course_get_courses_by_field", "core_enrol_get_enrolled_users"}

// Server is a running fake Moodle.
type Server struct {
	http      *httptest.Server
	mu        sync.Mutex // one call at a time; the index is rebuilt after changes
	site      *Site
	idx       *index
	token     string
	revoked   bool
	functions []string
	faults    fakefault.Set[struct{}]
	count     struct{ calls, enrolPages atomic.Int64 }
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	s := &Server{site: opts.Site, token: opts.Token, functions: opts.Functions}
	if s.site == nil {
		s.site = Generate(1, 40, 6)
	}
	if s.token == "" {
		s.token = "6f1e2d3c4b5a69788796a5b4c3d2e1f0"
	}
	if s.functions == nil {
		s.functions = Functions
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, s.serve)
	mux.HandleFunc("POST "+Path, s.serve)
	var h http.Handler = mux
	if opts.Record != nil {
		rec := fidelity.NewRecorder(Table(), mux)
		opts.Record(rec)
		h = rec
	}
	s.http = httptest.NewServer(h)
	return s
}

// URL is the site's address.
func (s *Server) URL() string { return s.http.URL }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// Token is the web-service token the server accepts.
func (s *Server) Token() string { return s.token }

// Counts are the web-service calls answered and the enrolled-users pages
// (failed ones included).
func (s *Server) Counts() (calls, enrolPages int64) {
	return s.count.calls.Load(), s.count.enrolPages.Load()
}

// exception is Moodle's error answer (webservice/rest/locallib.php).
type exception struct {
	Exception string `json:"exception"`
	ErrorCode string `json:"errorcode"`
	Message   string `json:"message"`
}

// Moodle's exceptions as the fake raises them.
var (
	ErrInvalidToken   = exception{"moodle_exception", "invalidtoken", "Invalid token - token not found"}
	ErrAccess         = exception{"webservice_access_exception", "accessexception", "Access control exception"}
	ErrInvalidParam   = exception{"invalid_parameter_exception", "invalidparameter", "Invalid parameter value detected"}
	ErrInvalidRecord  = exception{"dml_missing_record_exception", "invalidrecord", "Can't find data record in database table course."}
	ErrUnknownFunc    = exception{"dml_missing_record_exception", "invalidrecord", "Can't find data record in database table external_functions."}
	ErrCategoryAbsent = exception{"moodle_exception", "unknowncategory", "Category not known"}
)

// MsgInvalidToken is the message of a refused token.
const MsgInvalidToken = "Invalid token - token not found"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.count.calls.Add(1)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f := r.Form
	jsonOut := f.Get("moodlewsrestformat") == "json"
	if req, ok := s.faults.Take(); ok {
		// Moodle itself does not throttle; these are what a proxy or a
		// site in maintenance answers.
		if req.RateLimited {
			if req.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int((req.RetryAfter+time.Second-1)/time.Second)))
			}
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return
		}
		http.Error(w, http.StatusText(req.Code), req.Code)
		return
	}
	s.mu.Lock()
	tokenOK := !s.revoked && f.Get("wstoken") == s.token
	allowed := slices.Contains(s.functions, f.Get("wsfunction"))
	s.mu.Unlock()
	var v any
	switch fn := f.Get("wsfunction"); {
	case !tokenOK:
		v = ErrInvalidToken
	case !slices.Contains(Functions, fn):
		v = ErrUnknownFunc
	case !allowed:
		v = ErrAccess
	case fn == "core_enrol_get_enrolled_users":
		var code int
		v, code = s.enrolledUsers(r, f)
		switch {
		case code < 0:
			return
		case code > 0:
			http.Error(w, http.StatusText(code), code)
			return
		}
	default:
		v = s.call(fn, f)
	}
	if !jsonOut {
		// Without moodlewsrestformat=json Moodle answers XML; the fake
		// models only that the answer is not JSON.
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n<RESPONSE>\n</RESPONSE>\n"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) call(fn string, f url.Values) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch fn {
	case "core_webservice_get_site_info":
		var fs []map[string]string
		for _, n := range s.functions {
			fs = append(fs, map[string]string{"name": n, "version": "2024100700"})
		}
		return map[string]any{"sitename": s.site.Name, "username": "rollcall", "firstname": "Rollcall", "lastname": "Sync",
			"fullname": "Rollcall Sync", "lang": "en", "userid": 2, "siteurl": "http://moodle.invalid", "functions": fs,
			"release": "4.5 (Build: 20241007)", "version": "2024100700"}
	case "core_course_get_categories":
		return s.categories(f)
	case "core_course_get_courses":
		var out []map[string]any
		var ids []int64
		for k, vs := range f {
			if strings.HasPrefix(k, "options[ids][") {
				n, _ := strconv.ParseInt(vs[0], 10, 64)
				ids = append(ids, n)
			}
		}
		if len(ids) == 0 || slices.Contains(ids, 1) {
			out = append(out, map[string]any{"id": 1, "shortname": "district", "fullname": s.site.Name, "categoryid": 0,
				"format": "site", "visible": 1})
		}
		for _, c := range s.site.Courses {
			if len(ids) == 0 || slices.Contains(ids, c.ID) {
				out = append(out, courseJSON(c))
			}
		}
		return out
	case "core_course_get_courses_by_field":
		field, value := f.Get("field"), f.Get("value")
		out := []map[string]any{}
		for _, c := range s.site.Courses {
			switch {
			case field == "id" && value == strconv.FormatInt(c.ID, 10),
				field == "category" && value == strconv.FormatInt(c.CategoryID, 10),
				field == "shortname" && value == c.Shortname:
				out = append(out, courseJSON(c))
			case field != "" && field != "id" && field != "category" && field != "shortname" && field != "idnumber" && field != "ids":
				return ErrInvalidParam
			}
		}
		return map[string]any{"courses": out, "warnings": []any{}}
	}
	return ErrInvalidParam
}

func courseJSON(c Course) map[string]any {
	return map[string]any{"id": c.ID, "shortname": c.Shortname, "fullname": c.Fullname, "displayname": c.Fullname,
		"categoryid": c.CategoryID, "visible": b01(c.Visible), "format": "topics"}
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// categories answers criteria[i][key|value] (id, name, parent) with
// addsubcategories (default 1): the matches and every descendant.
func (s *Server) categories(f url.Values) any {
	match := func(c Category) bool {
		for i := 0; ; i++ {
			k := f.Get("criteria[" + strconv.Itoa(i) + "][key]")
			if k == "" {
				return true
			}
			v := f.Get("criteria[" + strconv.Itoa(i) + "][value]")
			switch k {
			case "id":
				if strconv.FormatInt(c.ID, 10) != v {
					return false
				}
			case "parent":
				if strconv.FormatInt(c.Parent, 10) != v {
					return false
				}
			case "name":
				if c.Name != v {
					return false
				}
			default:
				return false
			}
		}
	}
	sub := f.Get("addsubcategories") != "0"
	picked := map[int64]bool{}
	for _, c := range s.site.Categories {
		if match(c) {
			picked[c.ID] = true
		}
	}
	for changed := sub; changed; {
		changed = false
		for _, c := range s.site.Categories {
			if picked[c.Parent] && !picked[c.ID] {
				picked[c.ID], changed = true, true
			}
		}
	}
	out := []map[string]any{}
	for _, c := range s.site.Categories {
		if picked[c.ID] {
			out = append(out, map[string]any{"id": c.ID, "name": c.Name, "idnumber": "", "description": "", "descriptionformat": 1,
				"parent": c.Parent, "sortorder": c.ID * 10000, "coursecount": s.courseCount(c.ID), "visible": 1, "visibleold": 1,
				"timemodified": 1700000000, "depth": s.depth(c), "path": s.path(c), "theme": ""})
		}
	}
	return out
}

func (s *Server) courseCount(cat int64) int {
	n := 0
	for _, c := range s.site.Courses {
		if c.CategoryID == cat {
			n++
		}
	}
	return n
}

func (s *Server) parentOf(c Category) (Category, bool) {
	for _, p := range s.site.Categories {
		if p.ID == c.Parent {
			return p, true
		}
	}
	return Category{}, false
}

func (s *Server) depth(c Category) int {
	d := 1
	for p, ok := s.parentOf(c); ok; p, ok = s.parentOf(p) {
		d++
	}
	return d
}

func (s *Server) path(c Category) string {
	out := "/" + strconv.FormatInt(c.ID, 10)
	for p, ok := s.parentOf(c); ok; p, ok = s.parentOf(p) {
		out = "/" + strconv.FormatInt(p.ID, 10) + out
	}
	return out
}

// enrolledUsers answers core_enrol_get_enrolled_users: courseid and
// options[i][name|value] (onlyactive, userfields, limitfrom, limitnumber,
// sortby, sortdirection, withcapability, groupid). code is -1 when the
// client went away during a slow page, a 5xx to answer instead, else 0.
func (s *Server) enrolledUsers(r *http.Request, f url.Values) (v any, code int) {
	s.count.enrolPages.Add(1)
	opts := map[string]string{}
	for i := 0; ; i++ {
		n := f.Get("options[" + strconv.Itoa(i) + "][name]")
		if n == "" {
			break
		}
		opts[n] = f.Get("options[" + strconv.Itoa(i) + "][value]")
	}
	from, _ := strconv.Atoi(opts["limitfrom"])
	num, _ := strconv.Atoi(opts["limitnumber"])
	pageNo := 1
	if num > 0 {
		pageNo = from/num + 1
	}
	pf, ok := s.faults.AtPage(r.Context(), pageNo)
	if !ok {
		return nil, -1
	}
	if pf.FailCode >= 500 {
		return nil, pf.FailCode
	}
	if pf.FailCode != 0 {
		return ErrInvalidParam, 0
	}
	if sb := opts["sortby"]; sb != "" && !slices.Contains([]string{"id", "firstname", "lastname", "siteorder"}, sb) {
		return ErrInvalidParam, 0
	}
	cid, err := strconv.ParseInt(f.Get("courseid"), 10, 64)
	if err != nil {
		return ErrInvalidParam, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.ix()
	if !ix.courses[cid] {
		return ErrInvalidRecord, 0
	}
	onlyActive := opts["onlyactive"] != "" && opts["onlyactive"] != "0"
	var fields map[string]bool
	if uf := opts["userfields"]; uf != "" {
		fields = map[string]bool{}
		for _, x := range strings.Split(uf, ",") {
			fields[strings.TrimSpace(x)] = true
		}
	}
	want := func(k string) bool { return fields == nil || fields[k] }
	type row struct {
		u     *User
		roles []Role
	}
	var rows []row
	if !pf.Empty {
		for _, k := range ix.byCourse[cid] { // in user id order, Moodle's default sort
			e := &s.site.Enrolments[k]
			if (onlyActive && (e.Suspended || e.Ended)) || ix.users[e.UserID] == nil {
				continue
			}
			rows = append(rows, row{ix.users[e.UserID], e.Roles})
		}
	}
	if from > len(rows) {
		from = len(rows)
	}
	rows = rows[from:]
	if num > 0 && num < len(rows) {
		rows = rows[:num]
	}
	out := make([]map[string]any, 0, len(rows))
	for _, x := range rows {
		m := map[string]any{"id": x.u.ID}
		if want("username") {
			m["username"] = x.u.Username
		}
		if want("firstname") {
			m["firstname"] = x.u.First
		}
		if want("lastname") {
			m["lastname"] = x.u.Last
		}
		if want("fullname") {
			m["fullname"] = x.u.First + " " + x.u.Last
		}
		if want("email") && !x.u.EmailHidden && x.u.Email != "" {
			m["email"] = x.u.Email
		}
		if want("idnumber") && x.u.IDNumber != "" {
			m["idnumber"] = x.u.IDNumber
		}
		if want("roles") {
			rs := []map[string]any{}
			for _, ro := range x.roles {
				rs = append(rs, map[string]any{"roleid": ro.ID, "name": ro.Name, "shortname": ro.Shortname, "sortorder": 0})
			}
			m["roles"] = rs
		}
		out = append(out, m)
	}
	return out, 0
}

// index is what enrolledUsers looks up, rebuilt after the site changes.
type index struct {
	users    map[int64]*User
	courses  map[int64]bool
	byCourse map[int64][]int // indexes into Enrolments, by user id
}

// ix returns the index, building it when the site changed; s.mu held.
func (s *Server) ix() *index {
	if s.idx != nil {
		return s.idx
	}
	ix := &index{users: make(map[int64]*User, len(s.site.Users)), courses: map[int64]bool{}, byCourse: map[int64][]int{}}
	for i := range s.site.Users {
		ix.users[s.site.Users[i].ID] = &s.site.Users[i]
	}
	for _, c := range s.site.Courses {
		ix.courses[c.ID] = true
	}
	for i, e := range s.site.Enrolments {
		ix.byCourse[e.CourseID] = append(ix.byCourse[e.CourseID], i)
	}
	for _, ks := range ix.byCourse {
		slices.SortStableFunc(ks, func(a, b int) int { return int(s.site.Enrolments[a].UserID - s.site.Enrolments[b].UserID) })
	}
	s.idx = ix
	return ix
}

// RateLimit answers the next n calls with a proxy's 429 (Retry-After when
// retryAfter > 0).
func (s *Server) RateLimit(n int, retryAfter time.Duration) {
	s.faults.RateLimit(struct{}{}, n, retryAfter)
}

// ServerErrors answers the next n calls with code.
func (s *Server) ServerErrors(code, n int) { s.faults.ServerErrors(code, n) }

// FailOnPage makes page n (1-based, by limitfrom/limitnumber) of every
// enrolled-users listing fail each time: code >= 500 as an HTTP error,
// anything else as Moodle does, an HTTP 200 invalidparameter exception.
func (s *Server) FailOnPage(n, code int) { s.faults.FailOnPage(n, code) }

// SlowPages delays every enrolled-users page by d.
func (s *Server) SlowPages(d time.Duration) { s.faults.SlowPages(d) }

// Empty makes every course answer no users while on.
func (s *Server) Empty(on bool) { s.faults.SetEmpty(on) }

// RevokeToken makes the token invalid from now on.
func (s *Server) RevokeToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// Snapshot is a copy of the site as served now.
func (s *Server) Snapshot() *Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *s.site
	c.Users = slices.Clone(s.site.Users)
	c.Enrolments = slices.Clone(s.site.Enrolments)
	return &c
}

// Churn changes about n enrolments: students suspended, new students
// enrolled, students made teachers, emails hidden. It returns how many
// changed.
func (s *Server) Churn(rng *rand.Rand, n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idx = nil // rebuilt on the next call
	st := s.site
	changed := 0
	var maxID int64
	for _, u := range st.Users {
		if u.ID < 90000 {
			maxID = max(maxID, u.ID)
		}
	}
	for i := range n {
		switch i % 3 {
		case 0:
			e := &st.Enrolments[rng.IntN(len(st.Enrolments))]
			if !e.Suspended && !e.Ended {
				e.Suspended = true
				changed++
			}
		case 1:
			maxID++
			st.Users = append(st.Users, User{ID: maxID, Username: "new" + strconv.FormatInt(maxID, 10), First: "New", Last: "Student",
				Email: "new" + strconv.FormatInt(maxID, 10) + "@district.example.org"})
			c := st.Courses[rng.IntN(len(st.Courses))]
			st.Enrolments = append(st.Enrolments, Enrolment{CourseID: c.ID, UserID: maxID, Roles: []Role{RoleStudent}})
			changed++
		case 2:
			e := &st.Enrolments[rng.IntN(len(st.Enrolments))]
			if len(e.Roles) == 1 && e.Roles[0] == RoleStudent {
				e.Roles = []Role{RoleStudent, RoleTeacher}
				changed++
			}
		}
	}
	return changed
}
