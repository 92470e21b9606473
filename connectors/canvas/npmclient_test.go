package canvas

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest/npmrun"
)

// npmClient is @kth/canvas-api, an independent npm Canvas client,
// installed in npmclient by `npm ci` (scripts/test.sh does it).
var npmClient = npmrun.Client{Package: "@kth/canvas-api", What: "the npm Canvas client"}

// The npm Canvas client @kth/canvas-api pages a course's users through
// the fake's Link headers, rides out Canvas's plain-text 403 throttling
// answer the way it does against Canvas, and gets exactly the course's
// roster as the fake's district holds it: every active student and
// teacher once, with the email Canvas would show (null where the user
// has none, as typed otherwise).
func TestNPMClientPagesCourseUsers(t *testing.T) {
	npmClient.Need(t)
	d := fake.Generate(21, 60, 8)
	srv := fake.New(fake.Options{District: d, Fidelity: true})
	t.Cleanup(srv.Close)
	t.Cleanup(func() { srv.Fidelity().Check(t) })
	const course, perPage = int64(1002), 7

	// The roster from the district's data.
	users := map[int64]*fake.User{}
	for i := range d.Users {
		users[d.Users[i].ID] = &d.Users[i]
	}
	want := map[int64]any{}
	for _, e := range d.Enrollments {
		if e.CourseID == course && e.State == fake.StateActive && e.Type != fake.ObserverEnrollment {
			var email any
			if u := users[e.UserID]; u.Email != "" {
				email = u.Email
			}
			want[e.UserID] = email
		}
	}
	if len(want) < 3*perPage {
		t.Fatalf("course %d has %d users: too few to page", course, len(want))
	}

	srv.RateLimit(fake.Forbidden403, 2)
	stdout := npmClient.Run(t, "list-course-users.js", "CANVAS_API_URL="+srv.URL()+"/api/v1", "CANVAS_TOKEN="+srv.AdminToken(),
		"COURSE_ID=1002", "PER_PAGE=7")
	var got struct {
		Pages int              `json:"pages"`
		Users []map[string]any `json:"users"`
	}
	// The client prints a banner of its own first; the answer is the
	// last line.
	lines := bytes.Split(bytes.TrimSpace(stdout), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], &got); err != nil {
		t.Fatalf("client output %.500q: %v", stdout, err)
	}
	seen := map[int64]bool{}
	for _, u := range got.Users {
		fid, _ := u["id"].(float64)
		id := int64(fid)
		if seen[id] {
			t.Errorf("user %d listed twice", id)
		}
		seen[id] = true
		w, ok := want[id]
		if !ok {
			t.Errorf("user %d (%v) is not in the course's active roster", id, u["name"])
			continue
		}
		email, has := u["email"]
		if !has {
			t.Errorf("user %d: no email key", id)
		} else if email != w {
			t.Errorf("user %d: email %v, want %v", id, email, w)
		}
	}
	var absent []int64
	for id := range want {
		if !seen[id] {
			absent = append(absent, id)
		}
	}
	slices.Sort(absent)
	if len(absent) > 0 {
		t.Errorf("the client never got users %v", absent)
	}
	if wantPages := (len(want) + perPage - 1) / perPage; got.Pages != wantPages {
		t.Errorf("the client read %d pages, want %d", got.Pages, wantPages)
	}
	if n := srv.Counts().Throttled; n != 2 {
		t.Errorf("%d throttled answers, want 2", n)
	}
}
