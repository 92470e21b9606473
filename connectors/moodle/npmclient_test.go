package moodle

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest/npmrun"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
	"github.com/rollcall-sync/rollcall/connectors/moodle/fake"
)

// npmClient is moodle-client, an independent npm Moodle client,
// installed in npmclient by `npm ci` (scripts/test.sh does it).
var npmClient = npmrun.Client{Package: "moodle-client", What: "the npm Moodle client"}

// moodle-client, a Node client nobody here wrote, pages a course's active
// participants over GET and over POST with PHP-style options[i][name]
// arrays, gets exactly the course's active enrolments with emails only
// where Moodle shows them, and receives a wrong token's exception as an
// ordinary HTTP 200 answer, as it does from Moodle.
func TestNPMClientListsParticipants(t *testing.T) {
	npmClient.Need(t)
	st := fake.Generate(21, 120, 4)
	const course = int64(100)
	users := map[int64]fake.User{}
	for _, u := range st.Users {
		users[u.ID] = u
	}
	type person struct {
		ID    int64    `json:"id"`
		Email *string  `json:"email"`
		Roles []string `json:"roles"`
	}
	var want []person
	for _, e := range st.Enrolments {
		if e.CourseID != course || e.Suspended || e.Ended {
			continue
		}
		u := users[e.UserID]
		p := person{ID: u.ID, Roles: []string{}}
		if !u.EmailHidden && u.Email != "" {
			p.Email = &u.Email
		}
		for _, r := range e.Roles {
			p.Roles = append(p.Roles, r.Shortname)
		}
		want = append(want, p)
	}
	slices.SortFunc(want, func(a, b person) int { return int(a.ID - b.ID) })
	if len(want) < 15 {
		t.Fatalf("course %d has %d participants: too few to page", course, len(want))
	}
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			srv := fake.New(fake.Options{Site: fake.Generate(21, 120, 4), Record: func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(t) }) }})
			t.Cleanup(srv.Close)
			out := npmClient.Run(t, "list-participants.js", "MOODLE_URL="+srv.URL(), "MOODLE_TOKEN="+srv.Token(),
				"COURSE_ID="+strconv.FormatInt(course, 10), "PAGE_SIZE=6", "METHOD="+method)
			var got struct {
				Pages    int      `json:"pages"`
				Users    []person `json:"users"`
				BadToken struct {
					Exception, ErrorCode, Message string
				} `json:"badToken"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("client output %s: %v", out, err)
			}
			if got.Pages != len(want)/6+1 {
				t.Errorf("%d pages for %d participants at 6 a page", got.Pages, len(want))
			}
			if len(got.Users) != len(want) {
				t.Fatalf("client got %d participants, want %d", len(got.Users), len(want))
			}
			for i, w := range want {
				g := got.Users[i]
				if g.ID != w.ID || !slices.Equal(g.Roles, w.Roles) || (g.Email == nil) != (w.Email == nil) || g.Email != nil && *g.Email != *w.Email {
					t.Errorf("participant %d: got %+v, want %+v", i, g, w)
				}
			}
			if got.BadToken.Exception != "moodle_exception" || got.BadToken.ErrorCode != "invalidtoken" {
				t.Errorf("a wrong token resolved to %+v, want Moodle's invalidtoken exception", got.BadToken)
			}
		})
	}
}
