package fake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// epoch is the creation time of the first course; each later course was
// created a minute after the one before.
var epoch = time.Date(2024, 8, 19, 7, 0, 0, 0, time.UTC)

type courseJSON struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	Section           string `json:"section,omitempty"`
	OwnerID           string `json:"ownerId"`
	CreationTime      string `json:"creationTime"`
	UpdateTime        string `json:"updateTime"`
	CourseState       string `json:"courseState"`
	AlternateLink     string `json:"alternateLink"`
	TeacherGroupEmail string `json:"teacherGroupEmail"`
	CourseGroupEmail  string `json:"courseGroupEmail"`
	GuardiansEnabled  bool   `json:"guardiansEnabled"`
}

func (srv *Server) courseJSON(c *course) courseJSON {
	created := epoch.Add(time.Duration(c.created) * time.Minute).Format(time.RFC3339Nano)
	return courseJSON{
		ID: c.ID, Name: c.Name, Section: c.Section, OwnerID: c.OwnerID,
		CreationTime: created, UpdateTime: created, CourseState: c.State,
		AlternateLink:     "https://classroom.google.com/c/" + c.ID,
		TeacherGroupEmail: "class_teachers_" + c.ID + "@" + srv.s.Domain,
		CourseGroupEmail:  "class_" + c.ID + "@" + srv.s.Domain,
	}
}

// visible reports whether who may see course c: a domain admin sees
// every course, anyone else the courses they teach or take.
func (c *course) visible(who caller) bool {
	return who.admin || c.has(c.teachers, who.id) || c.has(c.students, who.id)
}

func (c *course) has(ms []member, id string) bool {
	return slices.ContainsFunc(ms, func(m member) bool { return m.user == id })
}

// resolve turns a teacherId/studentId/userId value (a numeric id, an
// email, or "me") into a user id. Callers hold mu.
func (srv *Server) resolve(who caller, key string) (string, bool) {
	if key == "me" {
		return who.id, who.id != ""
	}
	i, ok := srv.findUser(key)
	if !ok {
		return "", false
	}
	return srv.s.Users[i].ID, true
}

func notFound() *fakeauth.Error { return fakeauth.NotFound("Requested entity was not found.") }

// coursesList is courses.list: courseStates, teacherId or studentId,
// pageSize (server maximum when 0) and pageToken; newest course first.
func (srv *Server) coursesList(w http.ResponseWriter, q *request) *fakeauth.Error {
	srv.count.coursesList.Add(1)
	v := q.r.URL.Query()
	p, aerr := srv.readPage(v, q.r.URL.Path, srv.maxPage)
	if aerr != nil {
		return aerr
	}
	want := v["courseStates"]
	for _, st := range want {
		if !slices.Contains(states, st) {
			return fakeauth.BadRequest("Invalid value at 'course_states' (type.googleapis.com/google.classroom.v1.Course.CourseState), \"" + st + "\"")
		}
	}
	teacher, student := v.Get("teacherId"), v.Get("studentId")
	if teacher != "" && student != "" {
		return fakeauth.BadRequest("Request contains an invalid argument.")
	}
	ok, fail, truncate, empty := srv.atPage(q.r, p.n)
	if !ok {
		return nil
	}
	if fail != nil {
		return fail
	}
	var out struct {
		Courses       []courseJSON `json:"courses,omitempty"`
		NextPageToken string       `json:"nextPageToken,omitempty"`
	}
	srv.mu.RLock()
	var tid, sid string
	if teacher != "" {
		if tid, ok = srv.resolve(q.who, teacher); !ok {
			srv.mu.RUnlock()
			return notFound()
		}
	}
	if student != "" {
		if sid, ok = srv.resolve(q.who, student); !ok {
			srv.mu.RUnlock()
			return notFound()
		}
	}
	start := len(srv.list) - 1
	if p.after >= 0 {
		start = p.after - 1
	}
	last := -1
	for i := start; i >= 0 && !empty; i-- {
		c := srv.list[i]
		if (len(want) > 0 && !slices.Contains(want, c.State)) || !c.visible(q.who) ||
			(tid != "" && !c.has(c.teachers, tid)) || (sid != "" && !c.has(c.students, sid)) {
			continue
		}
		if len(out.Courses) == p.size {
			out.NextPageToken = p.next(last)
			break
		}
		out.Courses = append(out.Courses, srv.courseJSON(c))
		last = c.created
	}
	srv.mu.RUnlock()
	return writeJSON(w, &out, truncate, q.mask)
}

// coursesGet is courses.get.
func (srv *Server) coursesGet(w http.ResponseWriter, q *request) *fakeauth.Error {
	srv.count.coursesGet.Add(1)
	empty := srv.faults.Empty()
	srv.mu.RLock()
	c := srv.courses[q.r.PathValue("id")]
	if c == nil || empty {
		srv.mu.RUnlock()
		return notFound()
	}
	if !c.visible(q.who) {
		srv.mu.RUnlock()
		return fakeauth.PermissionDenied("The caller does not have permission")
	}
	out := srv.courseJSON(c)
	srv.mu.RUnlock()
	return writeJSON(w, &out, false, q.mask)
}

// writeJSON sends v, cut to the fields= mask, with its length, or half of
// it when truncate is set: the client then sees the connection end
// mid-body.
func writeJSON(w http.ResponseWriter, v any, truncate bool, mask *fakeauth.FieldMask) *fakeauth.Error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fakeauth.ServerError(500)
	}
	if mask != nil {
		// Google's partial response: only the fields= selection.
		var generic any
		if err := json.Unmarshal(buf, &generic); err != nil {
			return fakeauth.ServerError(500)
		}
		if buf, err = json.Marshal(mask.Prune(generic)); err != nil {
			return fakeauth.ServerError(500)
		}
	}
	buf = append(buf, '\n')
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusOK)
	if truncate {
		_, _ = w.Write(buf[:len(buf)/2])
		return nil
	}
	_, _ = w.Write(buf)
	return nil
}
