package schoology

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest/npmrun"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
	"github.com/rollcall-sync/rollcall/connectors/schoology/fake"
)

// npmClient is oauth-1.0a, an independent OAuth 1.0a signer, installed
// in npmclient by `npm ci` (scripts/test.sh does it).
var npmClient = npmrun.Client{Package: "oauth-1.0a", What: "the npm OAuth 1.0a signer"}

// Requests signed by oauth-1.0a, a signer nobody here wrote, with
// Schoology's two-legged parameters (realm, empty oauth_token) are
// accepted by the fake with HMAC-SHA1 and PLAINTEXT; the client pages a
// section through links.next, finds no email on enrollments and reads
// them from the user records (404 for a deactivated user), and a request
// sent twice with the same nonce is refused as a replay.
func TestNPMClientSignsAndPages(t *testing.T) {
	npmClient.Need(t)
	d := fake.Generate(9, 400, 6)
	sid := d.Sections[0].ID
	users := map[int64]fake.User{}
	for _, u := range d.Users {
		users[u.UID] = u
	}
	wantEnr, wantEmails := 0, map[string]string{}
	for _, e := range d.Enrollments {
		if e.SectionID != sid {
			continue
		}
		u := users[e.UID]
		if u.Inactive {
			continue // gone from enrollments once deactivated
		}
		wantEnr++
		wantEmails[strconv.FormatInt(u.UID, 10)] = u.Email
	}
	if wantEnr < 45 {
		t.Fatalf("section %d has %d enrollments: too few to page", sid, wantEnr)
	}
	for _, method := range []string{"HMAC-SHA1", "PLAINTEXT"} {
		t.Run(method, func(t *testing.T) {
			srv := fake.New(fake.Options{District: fake.Generate(9, 400, 6), Record: func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(t) }) }})
			t.Cleanup(srv.Close)
			key, secret := srv.Credentials()
			out := npmClient.Run(t, "list-section.js", "SCHOOLOGY_URL="+srv.URL(), "CONSUMER_KEY="+key, "CONSUMER_SECRET="+secret,
				"SECTION_ID="+strconv.FormatInt(sid, 10), "LIMIT=20", "METHOD="+method)
			var got struct {
				Pages       int
				Enrollments []struct{ UID string }
				Emails      map[string]string
				Missing     []string
				Replay      int
				ReplayText  string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("client output %s: %v", out, err)
			}
			if len(got.Enrollments) != wantEnr || got.Pages != (wantEnr+19)/20 {
				t.Errorf("client read %d enrollments in %d pages, want %d in %d", len(got.Enrollments), got.Pages, wantEnr, (wantEnr+19)/20)
			}
			if len(got.Emails) != len(wantEmails) || len(got.Missing) != 0 {
				t.Errorf("client read %d user records (%d missing), want %d", len(got.Emails), len(got.Missing), len(wantEmails))
			}
			for uid, e := range wantEmails {
				if got.Emails[uid] != e {
					t.Errorf("user %s: primary_email %q, want %q", uid, got.Emails[uid], e)
				}
			}
			if got.Replay != 401 || got.ReplayText != fake.MsgReplay {
				t.Errorf("a replayed request answered %d %q, want 401 %q", got.Replay, got.ReplayText, fake.MsgReplay)
			}
		})
	}
}
