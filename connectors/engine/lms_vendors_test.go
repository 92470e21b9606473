package engine

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas"
	canvasfake "github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/connectors/classroom"
	classroomfake "github.com/rollcall-sync/rollcall/connectors/classroom/fake"
	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
	"github.com/rollcall-sync/rollcall/connectors/oneroster"
	onerosterfake "github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// lmsVendor is one LMS fake with a connector on it, for the LMS-link test.
type lmsVendor struct {
	name  string
	units []string
	// open starts the fake and returns the connector and the members a
	// sync of everything must produce (email → role), worked out from the
	// fake's own roster, not from what the connector reads.
	open func(t *testing.T) (conn connectors.Connector, want func() map[string]string, churn func(rng *rand.Rand))
	// unitsOf, when set, names the units once the fake is up.
	unitsOf func() []string
}

// lmsVendors are every LMS vendor the LMS-link test runs on; the newer
// ones are listed in files named for them.
func lmsVendors() []lmsVendor {
	vs := append(blackboardBrightspaceVendors(), schoologyMoodleVendors()...)
	return append(vs, classroomVendor(), oneRosterVendor(), lmsVendor{
		name:  "canvas",
		units: []string{"account:self"},
		open: func(t *testing.T) (connectors.Connector, func() map[string]string, func(*rand.Rand)) {
			d := canvasfake.Generate(3, 240, 30)
			srv := canvasfake.New(canvasfake.Options{District: d})
			t.Cleanup(srv.Close)
			s := &canvas.Settings{BaseURL: srv.URL(), AccessToken: config.Secret(srv.AdminToken())}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			conn, err := s.Open(connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			return conn, func() map[string]string { return srv.Snapshot().ActiveMembers() }, func(rng *rand.Rand) { srv.Churn(rng, 15) }
		},
	})
}

// TestLinkLMSForEachVendor links a license to each vendor's fake, syncs,
// changes the roster, syncs again, and checks members, roles, claims and
// the LMS status on the license.
func TestLinkLMSForEachVendor(t *testing.T) {
	for _, v := range lmsVendors() {
		t.Run(v.name, func(t *testing.T) {
			f := newFixture(t, 5000)
			conn, want, churn := v.open(t)
			f.engine.conns["lms"] = conn
			f.engine.types = map[string]string{"lms": v.name}
			ctx := context.Background()
			units := v.units
			if v.unitsOf != nil {
				units = v.unitsOf()
			}
			d, run, err := f.engine.LinkLMS(ctx, LinkLMSRequest{License: "hs", Connector: "lms", Units: units, By: "admin@district.example.org"})
			if err != nil {
				t.Fatal(err)
			}
			check := func(stage string) {
				t.Helper()
				w := want()
				ms := f.members()
				if len(ms) != len(w) || len(w) < 50 {
					t.Fatalf("%s: %d members, want %d (and a district of some size)", stage, len(ms), len(w))
				}
				for email, role := range w {
					m, ok := ms[email]
					if !ok {
						t.Fatalf("%s: %s is missing", stage, email)
					}
					if string(m.Role) != role {
						t.Fatalf("%s: %s is a %s, want %s", stage, email, m.Role, role)
					}
					if c := m.Claim(d.Source()); c == nil {
						t.Fatalf("%s: %s has no claim of %s: %+v", stage, email, d.Source(), m.Claims)
					}
				}
				l, err := f.store.GetLicense(ctx, "hs")
				if err != nil {
					t.Fatal(err)
				}
				if l.LMS.Vendor != v.name || l.LMS.Status != license.LinkOK || l.LMS.LastSync.IsZero() || l.LMS.LastError != "" {
					t.Fatalf("%s: LMS = %+v; want %s linked with a last sync", stage, l.LMS, v.name)
				}
			}
			if run.Result != syncstate.ResultSuccess {
				t.Fatalf("first sync = %+v", run)
			}
			check("after linking")
			churn(rand.New(rand.NewPCG(9, 9)))
			run, err = f.engine.Run(ctx, d.Name, TriggerManual)
			if err != nil || run.Result != syncstate.ResultSuccess {
				t.Fatalf("second sync = %+v, %v", run, err)
			}
			if run.Counts.Added+run.Counts.Updated+run.Counts.Removed == 0 {
				t.Fatal("the roster changed but the sync changed nothing")
			}
			check("after the roster changed")
			if !strings.Contains(f.mustLicense(t).LMS.BaseURL, "127.0.0.1") {
				t.Fatalf("LMS base URL = %q, want the fake's", f.mustLicense(t).LMS.BaseURL)
			}
		})
	}
}

func (f *fixture) mustLicense(t *testing.T) license.License {
	t.Helper()
	l, err := f.store.GetLicense(context.Background(), "hs")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// classroomVendor: who should be a member is worked out from the fake's
// courses (active ones; teachers over students; people with an email).
func classroomVendor() lmsVendor {
	return lmsVendor{
		name:  "google-classroom",
		units: []string{"all"},
		open: func(t *testing.T) (connectors.Connector, func() map[string]string, func(*rand.Rand)) {
			srv := classroomfake.New(classroomfake.Options{School: classroomfake.Generate(5, 1500)})
			t.Cleanup(srv.Close)
			sa, key, err := fakeauth.NewServiceAccount("rollcall-test@rollcall-fake.iam.gserviceaccount.com", srv.TokenURL())
			if err != nil {
				t.Fatal(err)
			}
			srv.Register(sa)
			keyFile := filepath.Join(t.TempDir(), "sa.json")
			if err := os.WriteFile(keyFile, key, 0o600); err != nil {
				t.Fatal(err)
			}
			conn, err := classroom.New(classroom.Settings{CredentialsFile: keyFile, Subject: srv.Admin(), Endpoint: srv.Endpoint(), TokenURL: srv.TokenURL()},
				connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			want := func() map[string]string {
				emails := map[string]string{}
				for _, u := range srv.Users() {
					emails[u.ID] = strings.ToLower(u.Email)
				}
				out := map[string]string{}
				for _, c := range srv.Courses() {
					if c.State != "ACTIVE" {
						continue
					}
					for _, id := range c.Students {
						if e := emails[id]; e != "" && out[e] == "" {
							out[e] = "student"
						}
					}
					for _, id := range c.Teachers {
						if e := emails[id]; e != "" {
							out[e] = "teacher"
						}
					}
				}
				return out
			}
			return conn, want, func(rng *rand.Rand) { srv.Churn(rng.Int64(), 20) }
		},
	}
}

// oneRosterVendor: OneRoster's record rules (tobedeleted, enabledUser,
// end dates, guardians) are the conformance suite's to check; here the
// members must equal what the connector reads at the time of the check.
func oneRosterVendor() lmsVendor {
	var units []string
	return lmsVendor{
		name:    "oneroster",
		unitsOf: func() []string { return units },
		open: func(t *testing.T) (connectors.Connector, func() map[string]string, func(*rand.Rand)) {
			srv := onerosterfake.New(onerosterfake.Options{District: onerosterfake.Generate(4, 400, 12)})
			t.Cleanup(srv.Close)
			_, _, id, secret := srv.Credentials()
			conn, err := oneroster.New(oneroster.Settings{BaseURL: srv.URL(), Version: oneroster.V12, ClientID: id,
				ClientSecret: config.Secret(secret), TokenURL: srv.TokenURL()}, connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			d := srv.Snapshot()
			for _, s := range d.Schools() {
				units = append(units, "org:"+s)
			}
			want := func() map[string]string {
				snap, err := reconcile.Collect(context.Background(), conn, connectors.Selection{Units: units})
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, p := range snap.People {
					out[p.Email] = string(p.Role)
				}
				return out
			}
			return conn, want, func(rng *rand.Rand) { srv.Churn(rng.Uint64(), 25) }
		},
	}
}
