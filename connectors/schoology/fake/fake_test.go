package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
	"github.com/rollcall-sync/rollcall/connectors/oauth1"
)

// client signs requests as Schoology's authentication page describes,
// with a fixed clock and nonce source the test controls.
type client struct {
	t      *testing.T
	srv    *Server
	ts     int64
	nonce  string
	method oauth1.Method
}

func (c *client) get(path string) (int, string, http.Header) {
	c.t.Helper()
	key, secret := c.srv.Credentials()
	req, _ := http.NewRequest("GET", c.srv.URL()+path, nil)
	p := map[string]string{"oauth_consumer_key": key, "oauth_token": "", "oauth_nonce": c.nonce,
		"oauth_timestamp": strconv.FormatInt(c.ts, 10), "oauth_signature_method": string(c.method), "oauth_version": "1.0"}
	base, _ := oauth1.SignatureBase("GET", req.URL, p)
	p["oauth_signature"], _ = oauth1.Sign(c.method, base, secret, "")
	req.Header.Set("Authorization", oauth1.AuthorizationHeader("Schoology API", p))
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func newFake(t *testing.T, d *District) (*Server, *client) {
	srv := New(Options{District: d, Record: func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(t) }) }})
	t.Cleanup(srv.Close)
	return srv, &client{t: t, srv: srv, ts: time.Now().Unix(), method: oauth1.HMACSHA1}
}

// The documented shapes: enrollments with no email, "total" a string,
// "admin" a number and "status" a string, links.next while more remain,
// limit capped at 200; the email only on the user record.
func TestShapes(t *testing.T) {
	d := Generate(3, 2000, 4)
	srv, c := newFake(t, d)
	sid := d.Sections[0].ID
	n := 0
	for i, path := 0, "/v1/sections/"+strconv.FormatInt(sid, 10)+"/enrollments?start=0&limit=500"; path != ""; i++ {
		c.nonce = "n" + strconv.Itoa(i)
		code, body, _ := c.get(path)
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		if strings.Contains(body, "email") {
			t.Fatal("an enrollment carries an email")
		}
		var page struct {
			Enrollment []map[string]any `json:"enrollment"`
			Total      any              `json:"total"`
			Links      struct{ Next string }
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if _, ok := page.Total.(string); !ok || len(page.Enrollment) > MaxLimit {
			t.Fatalf("total %#v, %d on a page", page.Total, len(page.Enrollment))
		}
		e := page.Enrollment[0]
		if _, ok := e["admin"].(float64); !ok {
			t.Fatalf("admin %#v is not a number", e["admin"])
		}
		if _, ok := e["status"].(string); !ok {
			t.Fatalf("status %#v is not a string", e["status"])
		}
		n += len(page.Enrollment)
		path = strings.TrimPrefix(page.Links.Next, srv.URL())
	}
	if n < 250 {
		t.Fatalf("read %d enrollments of a section of 2000 people over 4 sections", n)
	}
	c.nonce = "user"
	var u User
	for _, x := range d.Users {
		if x.Email != "" && !x.Inactive {
			u = x
			break
		}
	}
	code, body, _ := c.get("/v1/users/" + strconv.FormatInt(u.UID, 10))
	if code != 200 || !strings.Contains(body, `"primary_email":"`+u.Email+`"`) {
		t.Fatalf("user: %d %s", code, body)
	}
}

// Signatures, nonces and timestamps are checked as Schoology documents.
func TestAuthentication(t *testing.T) {
	_, c := newFake(t, Generate(1, 20, 2))
	c.nonce = "first"
	if code, body, _ := c.get("/v1/roles"); code != 200 {
		t.Fatalf("signed request refused: %s", body)
	}
	if code, body, _ := c.get("/v1/roles"); code != 401 || body != MsgReplay {
		t.Fatalf("replayed nonce: %d %s", code, body)
	}
	c.nonce, c.ts = "older", c.ts-60
	if code, body, _ := c.get("/v1/roles"); code != 401 || body != MsgReplay {
		t.Fatalf("timestamp gone backwards: %d %s", code, body)
	}
	c.nonce, c.ts, c.method = "plain", c.ts+120, oauth1.Plaintext
	if code, body, _ := c.get("/v1/roles"); code != 200 {
		t.Fatalf("PLAINTEXT refused: %s", body)
	}
	c.nonce, c.method = "sha256", oauth1.HMACSHA256
	if code, _, _ := c.get("/v1/roles"); code != 401 {
		t.Fatalf("HMAC-SHA256 accepted: %d", code)
	}
}

// Deactivated users vanish from enrollments and users; past sections
// need include_past=1; a 429 is bare unless a wait is asked for.
func TestTraps(t *testing.T) {
	d := Generate(4, 300, 9)
	srv, c := newFake(t, d)
	var gone User
	for _, u := range d.Users {
		if u.Inactive {
			gone = u
			break
		}
	}
	c.nonce = "a"
	if code, _, _ := c.get("/v1/users/" + strconv.FormatInt(gone.UID, 10)); code != 404 {
		t.Errorf("deactivated user answered %d", code)
	}
	cid := strconv.FormatInt(d.Sections[8].CourseID, 10) // section 9 is past
	c.nonce = "b"
	_, cur, _ := c.get("/v1/courses/" + cid + "/sections")
	c.nonce = "c"
	_, all, _ := c.get("/v1/courses/" + cid + "/sections?include_past=1")
	if strings.Count(all, `"section_title"`) != strings.Count(cur, `"section_title"`)+1 {
		t.Errorf("include_past: %s vs %s", all, cur)
	}
	srv.RateLimit(1, 0)
	c.nonce = "d"
	if code, _, h := c.get("/v1/roles"); code != 429 || h.Get("Retry-After") != "" {
		t.Errorf("throttled: %d Retry-After %q", code, h.Get("Retry-After"))
	}
}
