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

// Scopes the fake knows.
const (
	ScopeCourses         = "https://www.googleapis.com/auth/classroom.courses"
	ScopeCoursesReadonly = "https://www.googleapis.com/auth/classroom.courses.readonly"
	ScopeRosters         = "https://www.googleapis.com/auth/classroom.rosters"
	ScopeRostersReadonly = "https://www.googleapis.com/auth/classroom.rosters.readonly"
	ScopeProfileEmails   = "https://www.googleapis.com/auth/classroom.profile.emails"
	ScopeProfilePhotos   = "https://www.googleapis.com/auth/classroom.profile.photos"
)

// ReadOnlyScopes are what domain-wide delegation grants a service account
// by default: the read-only course and roster scopes and profile emails.
func ReadOnlyScopes() []string {
	return []string{ScopeCoursesReadonly, ScopeRostersReadonly, ScopeProfileEmails}
}

// rosterScopes are the scopes any of which lets a caller list rosters and
// read profiles.
var rosterScopes = []string{ScopeRosters, ScopeRostersReadonly, ScopeProfileEmails, ScopeProfilePhotos}

// DefaultMaxPageSize is the most items one page holds when the caller
// asks for more or names no size: Google documents that the server "may
// assign a maximum" and "may return fewer" without saying how many.
const DefaultMaxPageSize = 1000

// Options configure a fake server.
type Options struct {
	// School is served; nil: Generate(1, 2000). The server takes it over:
	// change it afterwards only through the Server's methods.
	School *School
	// TokenTTL is the lifetime of access tokens; zero: 3599 s, as Google.
	TokenTTL time.Duration
	// Now is the clock for token lifetimes; nil: time.Now.
	Now func() time.Time
	// MaxPageSize caps every page; zero: DefaultMaxPageSize.
	MaxPageSize int
	// Fidelity serves every request through fidelity recorders holding
	// the fake to FIDELITY.md (see CheckFidelity). Tests set it;
	// benchmarks leave it off, as the recorders buffer every body.
	Fidelity bool
}

// Server is a running fake of the Classroom API and Google's token endpoint.
type Server struct {
	http    *httptest.Server
	auth    *fakeauth.Issuer
	maxPage int

	mu      sync.RWMutex
	s       *School
	users   map[string]int     // user id → index in s.Users
	emails  map[string]int     // lower-cased email → index
	list    []*course          // creation order, oldest first
	courses map[string]*course // by id
	gone    map[string]bool    // user ids whose accounts were deleted
	seq     int                // last enrollment sequence number

	faults faults
	count  counters
	rec    *fakeauth.Recording
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	srv := &Server{s: opts.School, maxPage: opts.MaxPageSize, gone: map[string]bool{}}
	if srv.s == nil {
		srv.s = Generate(1, 2000)
	}
	if srv.maxPage <= 0 {
		srv.maxPage = DefaultMaxPageSize
	}
	srv.reindex()
	srv.auth = fakeauth.NewIssuer(fakeauth.Options{TTL: opts.TokenTTL, Now: opts.Now,
		DefaultScopes: ReadOnlyScopes(), Subject: srv.subject})
	mux := http.NewServeMux()
	mux.Handle("POST /token", srv.auth)
	mux.Handle("GET /v1/courses", srv.api(srv.coursesList, true, ScopeCoursesReadonly, ScopeCourses))
	mux.Handle("GET /v1/courses/{id}", srv.api(srv.coursesGet, false, ScopeCoursesReadonly, ScopeCourses))
	mux.Handle("GET /v1/courses/{courseId}/students", srv.api(srv.studentsList, true, rosterScopes...))
	mux.Handle("GET /v1/courses/{courseId}/teachers", srv.api(srv.teachersList, true, rosterScopes...))
	mux.Handle("GET /v1/userProfiles/{userId}", srv.api(srv.userProfilesGet, false, rosterScopes...))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fakeauth.NotFound("Requested entity was not found.").Write(w)
	})
	srv.rec = fakeauth.NewRecording(Table(), mux, opts.Fidelity)
	srv.http = httptest.NewServer(srv.rec)
	srv.auth.SetURL(srv.TokenURL())
	return srv
}

func (srv *Server) reindex() {
	srv.users = make(map[string]int, len(srv.s.Users))
	srv.emails = make(map[string]int, len(srv.s.Users))
	for i, u := range srv.s.Users {
		srv.users[u.ID] = i
		if u.Email != "" {
			srv.emails[strings.ToLower(u.Email)] = i
		}
	}
	srv.courses = make(map[string]*course, len(srv.s.Courses))
	for i := range srv.s.Courses {
		srv.addCourse(&srv.s.Courses[i])
	}
	// The server keeps its own copy of the rosters from here on.
	srv.s.Courses = nil
}

// course is a served course with its rosters ordered by enrollment.
type course struct {
	Course
	created  int // creation sequence: courses.list serves newest first
	teachers []member
	students []member
	invited  []string // user ids invited, not yet joined: never listed
}

// member is one enrollment; seq orders a roster and anchors page tokens,
// so people joining or leaving between pages shift nobody.
type member struct {
	user string
	seq  int
}

// addCourse adds c as the newest course. Callers hold mu (or own srv).
func (srv *Server) addCourse(c *Course) *course {
	cc := &course{Course: *c, created: len(srv.list)}
	cc.Teachers, cc.Students = nil, nil
	for _, id := range c.Teachers {
		srv.seq++
		cc.teachers = append(cc.teachers, member{id, srv.seq})
	}
	for _, id := range c.Students {
		srv.seq++
		cc.students = append(cc.students, member{id, srv.seq})
	}
	srv.list = append(srv.list, cc)
	srv.courses[c.ID] = cc
	return cc
}

// URL is the server's base URL, without a trailing slash.
func (srv *Server) URL() string { return srv.http.URL }

// Endpoint is the base URL for option.WithEndpoint (with its trailing slash).
func (srv *Server) Endpoint() string { return srv.http.URL + "/" }

// TokenURL is the token endpoint, also the audience assertions must name.
func (srv *Server) TokenURL() string { return srv.http.URL + "/token" }

// Close stops the server.
func (srv *Server) Close() { srv.http.Close() }

// Admin is the email of the school's domain admin.
func (srv *Server) Admin() string { return srv.s.Admin }

// Register makes the token endpoint accept assertions signed by sa's key,
// granting scopes by domain-wide delegation (none: ReadOnlyScopes).
func (srv *Server) Register(sa *fakeauth.ServiceAccount, scopes ...string) {
	srv.auth.Register(sa, scopes...)
}

// NewServiceAccount generates, registers (with ReadOnlyScopes) and returns
// the JSON key file of a service account whose token_uri is this server,
// for clients that sign in from a key file (the demo, Google's Python
// client).
func (srv *Server) NewServiceAccount() ([]byte, error) {
	sa, file, err := fakeauth.NewServiceAccount("rollcall-sync@rollcall-fake.iam.gserviceaccount.com", srv.TokenURL())
	if err != nil {
		return nil, err
	}
	srv.Register(sa)
	return file, nil
}

// ExpireTokens makes every token issued so far expire now.
func (srv *Server) ExpireTokens() { srv.auth.ExpireTokens() }

// caller is who a token acts for, fixed when it was issued.
type caller struct {
	id    string
	admin bool
}

func (srv *Server) subject(email string) (any, bool) {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	i, ok := srv.findUser(email)
	if !ok {
		return nil, false
	}
	u := &srv.s.Users[i]
	return caller{id: u.ID, admin: u.Admin}, true
}

// findUser finds a live user by id or email. Callers hold mu.
func (srv *Server) findUser(key string) (int, bool) {
	var i int
	var ok bool
	if strings.Contains(key, "@") {
		i, ok = srv.emails[strings.ToLower(key)]
	} else {
		i, ok = srv.users[key]
	}
	if !ok || srv.gone[srv.s.Users[i].ID] {
		return 0, false
	}
	return i, true
}

// request is one authorized API call.
type request struct {
	r      *http.Request
	who    caller
	emails bool                // the token may see profile email addresses
	mask   *fakeauth.FieldMask // fields=: the partial response asked for
}

type handler func(w http.ResponseWriter, q *request) *fakeauth.Error

// api wraps a method with what every Classroom call goes through: the
// bearer token, fault switches, then scopes. Listing methods are counted.
func (srv *Server) api(h handler, listing bool, scopes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.count.api.Add(1)
		t, aerr := srv.auth.Authorize(r)
		if aerr != nil {
			srv.count.unauthorized.Add(1)
			aerr.Write(w)
			return
		}
		if aerr := srv.takeFault(); aerr != nil {
			srv.count.faults.Add(1)
			aerr.Write(w)
			return
		}
		if !t.Allows(scopes...) {
			fakeauth.InsufficientScopes().Write(w)
			return
		}
		if listing {
			srv.count.listings.Add(1)
		}
		mask, err := fakeauth.ParseFields(r.URL.Query().Get("fields"))
		if err != nil {
			fakeauth.BadRequest("Invalid field selection: " + err.Error()).Write(w)
			return
		}
		who, _ := t.Info.(caller)
		if aerr := h(w, &request{r: r, who: who, emails: t.Allows(ScopeProfileEmails), mask: mask}); aerr != nil {
			aerr.Write(w)
		}
	})
}

// Counts are the requests a server has answered.
type Counts struct {
	Token        int64 // token endpoint requests
	TokenRefused int64 // of which refused
	API          int64 // Classroom API requests of any method
	Listings     int64 // list requests (pages) that reached the method, failed ones included
	CoursesList  int64
	CoursesGet   int64
	StudentsList int64
	TeachersList int64
	Profiles     int64
	Unauthorized int64 // API requests answered 401
	Faults       int64 // API requests answered by a fault switch
}

type counters struct {
	api, listings, coursesList, coursesGet, studentsList, teachersList, profiles, unauthorized, faults atomic.Int64
}

// Counts returns the request counters.
func (srv *Server) Counts() Counts {
	c := &srv.count
	tok, refused := srv.auth.Counts()
	return Counts{
		Token: tok, TokenRefused: refused, API: c.api.Load(), Listings: c.listings.Load(),
		CoursesList: c.coursesList.Load(), CoursesGet: c.coursesGet.Load(),
		StudentsList: c.studentsList.Load(), TeachersList: c.teachersList.Load(), Profiles: c.profiles.Load(),
		Unauthorized: c.unauthorized.Load(), Faults: c.faults.Load(),
	}
}
