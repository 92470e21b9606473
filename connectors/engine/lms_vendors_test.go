package engine

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas"
	canvasfake "github.com/rollcall-sync/rollcall/connectors/canvas/fake"
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
}

func lmsVendors() []lmsVendor {
	return []lmsVendor{{
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
	}}
}

// TestLinkLMSForEachVendor links a license to each vendor's fake, syncs,
// changes the roster, syncs again, and checks members, claims and the LMS
// status on the license.
func TestLinkLMSForEachVendor(t *testing.T) {
	for _, v := range lmsVendors() {
		t.Run(v.name, func(t *testing.T) {
			f := newFixture(t, 5000)
			conn, want, churn := v.open(t)
			f.engine.conns["lms"] = conn
			f.engine.types = map[string]string{"lms": v.name}
			ctx := context.Background()
			d, run, err := f.engine.LinkLMS(ctx, LinkLMSRequest{License: "hs", Connector: "lms", Units: v.units, By: "admin@district.example.org"})
			if err != nil {
				t.Fatal(err)
			}
			check := func(stage string) {
				t.Helper()
				w := want()
				ms := f.members()
				if len(ms) != len(w) {
					t.Fatalf("%s: %d members, want %d", stage, len(ms), len(w))
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
