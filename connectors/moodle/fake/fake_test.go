package fake

import (
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

func newFake(t *testing.T, st *Site, fns []string) *Server {
	srv := New(Options{Site: st, Functions: fns, Record: func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(t) }) }})
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *Server, token, fn string, args url.Values, format string) (int, string, string) {
	t.Helper()
	form := url.Values{"wstoken": {token}, "wsfunction": {fn}}
	if format != "" {
		form.Set("moodlewsrestformat", format)
	}
	for k, v := range args {
		form[k] = v
	}
	resp, err := srv.Client().PostForm(srv.URL()+Path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// Errors are HTTP 200 exception objects, as webservice/rest/locallib.php
// writes them; without moodlewsrestformat=json the answer is XML.
func TestExceptionsAt200(t *testing.T) {
	srv := newFake(t, Generate(1, 30, 3), []string{"core_webservice_get_site_info", "core_enrol_get_enrolled_users"})
	cases := []struct {
		token, fn string
		args      url.Values
		errorcode string
	}{
		{"wrong", "core_webservice_get_site_info", nil, "invalidtoken"},
		{srv.Token(), "core_course_get_categories", nil, "accessexception"},
		{srv.Token(), "core_enrol_get_enrolled_users", url.Values{"courseid": {"999"}}, "invalidrecord"},
		{srv.Token(), "core_enrol_get_enrolled_users", url.Values{"courseid": {"100"}, "options[0][name]": {"sortby"}, "options[0][value]": {"email"}}, "invalidparameter"},
		{srv.Token(), "no_such_function", nil, "invalidrecord"},
	}
	for _, tc := range cases {
		code, ct, body := call(t, srv, tc.token, tc.fn, tc.args, "json")
		var ex map[string]string
		if code != 200 || ct != "application/json" || json.Unmarshal([]byte(body), &ex) != nil || ex["errorcode"] != tc.errorcode || ex["exception"] == "" || ex["message"] == "" {
			t.Errorf("%s with %v: %d %s %s, want an HTTP 200 %s exception", tc.fn, tc.args, code, ct, body, tc.errorcode)
		}
	}
	if _, ct, body := call(t, srv, srv.Token(), "core_webservice_get_site_info", nil, ""); !strings.Contains(ct, "xml") || !strings.HasPrefix(body, "<?xml") {
		t.Errorf("without moodlewsrestformat: %s %s", ct, body)
	}
}

// Suspended and ended enrolments are listed unless onlyactive=1; hidden
// emails are absent, not null; limitfrom/limitnumber page in id order.
func TestEnrolledUsers(t *testing.T) {
	st := Generate(2, 200, 4)
	srv := newFake(t, st, nil)
	list := func(opts ...string) []map[string]any {
		args := url.Values{"courseid": {"100"}}
		for i := 0; i+1 < len(opts); i += 2 {
			n := string(rune('0' + i/2))
			args.Set("options["+n+"][name]", opts[i])
			args.Set("options["+n+"][value]", opts[i+1])
		}
		_, _, body := call(t, srv, srv.Token(), "core_enrol_get_enrolled_users", args, "json")
		var out []map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return out
	}
	all, active := list(), list("onlyactive", "1")
	inactive := 0
	hidden := map[float64]bool{}
	for _, u := range st.Users {
		hidden[float64(u.ID)] = u.EmailHidden
	}
	for _, e := range st.Enrolments {
		if e.CourseID == 100 && (e.Suspended || e.Ended) {
			inactive++
		}
	}
	if inactive == 0 || len(all)-len(active) != inactive {
		t.Fatalf("%d listed, %d active, %d inactive enrolments", len(all), len(active), inactive)
	}
	for _, u := range all {
		_, has := u["email"]
		if has == hidden[u["id"].(float64)] {
			t.Fatalf("user %v: email present %v, hidden %v", u["id"], has, hidden[u["id"].(float64)])
		}
	}
	var paged []map[string]any
	for from := 0; ; from += 7 {
		p := list("onlyactive", "1", "limitfrom", strconv.Itoa(from), "limitnumber", "7", "userfields", "id,email")
		paged = append(paged, p...)
		for _, u := range p {
			if _, ok := u["fullname"]; ok {
				t.Fatal("userfields ignored")
			}
		}
		if len(p) < 7 {
			break
		}
	}
	if len(paged) != len(active) || paged[0]["id"].(float64) >= paged[len(paged)-1]["id"].(float64) {
		t.Fatalf("paged %d of %d, not in id order", len(paged), len(active))
	}
}

// Categories come with their subtree unless addsubcategories=0.
func TestCategories(t *testing.T) {
	srv := newFake(t, Generate(1, 10, 3), nil)
	count := func(sub string) int {
		_, _, body := call(t, srv, srv.Token(), "core_course_get_categories",
			url.Values{"criteria[0][key]": {"id"}, "criteria[0][value]": {"2"}, "addsubcategories": {sub}}, "json")
		var out []map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		return len(out)
	}
	if a, b := count("1"), count("0"); a != 4 || b != 1 {
		t.Fatalf("category 2 with subcategories: %d, without: %d; want 4 and 1", a, b)
	}
}
