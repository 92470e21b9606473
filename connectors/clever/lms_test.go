package clever

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/clever/fake"
	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// TestLinkSyncChurnSync links a license to a fake Clever district through
// the engine (real bbolt store and sync state), syncs, changes the
// district, syncs again, and checks each time that the license is the
// district's students and teachers with an email, as the fake's own
// records say, and that the LMS is recorded as linked.
func TestLinkSyncChurnSync(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	state, err := syncstate.Open(filepath.Join(dir, "syncstate.db"), syncstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	if _, err := store.CreateLicense(ctx, license.License{ID: "hs", Name: "High School", Type: license.TypeSchool, Seats: 5000}); err != nil {
		t.Fatal(err)
	}
	srv := fake.New(fake.Options{District: fake.Generate(21, 600, 3), Fidelity: true})
	defer func() { srv.Close(); srv.Fidelity().Check(t) }()
	conn, err := (&Settings{BaseURL: srv.URL(), Token: config.Secret(srv.DistrictToken()), PageSize: 100}).Open(connectors.OpenOptions{Name: "clever"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Store: store, State: state, Connectors: map[string]connectors.Connector{"clever": conn},
		ConnectorTypes: map[string]string{"clever": Type}})
	if err != nil {
		t.Fatal(err)
	}
	d, run, err := eng.LinkLMS(ctx, engine.LinkLMSRequest{License: "hs", Connector: "clever", Units: []string{"district"}, By: "admin@district.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(stage string, run syncstate.Run) {
		t.Helper()
		if run.Result != syncstate.ResultSuccess {
			t.Fatalf("%s: run %+v", stage, run)
		}
		want := srv.Snapshot().Members()
		got := map[string]license.Member{}
		opts := license.ListOptions{Limit: 1000}
		for {
			p, err := store.ListMembers(ctx, "hs", opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Members {
				got[m.Email] = m
			}
			if p.Next == "" {
				break
			}
			opts.Cursor = p.Next
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d members, want %d", stage, len(got), len(want))
		}
		for email, role := range want {
			m, ok := got[email]
			if !ok || string(m.Role) != role || m.Claim(d.Source()) == nil {
				t.Fatalf("%s: %s is %+v, want a %s claimed by %s", stage, email, m, role, d.Source())
			}
		}
		l, err := store.GetLicense(ctx, "hs")
		if err != nil {
			t.Fatal(err)
		}
		if l.LMS.Vendor != Type || l.LMS.Status != license.LinkOK || !strings.HasPrefix(l.LMS.BaseURL, "http://127.0.0.1") {
			t.Fatalf("%s: LMS %+v", stage, l.LMS)
		}
	}
	check("after linking", run)
	if changed := srv.Churn(rand.New(rand.NewPCG(4, 4)), 12); len(changed) != 12 {
		t.Fatalf("churn changed %d", len(changed))
	}
	run, err = eng.Run(ctx, d.Name, engine.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Added == 0 || run.Counts.Removed == 0 {
		t.Fatalf("the district changed but the sync counts %+v", run.Counts)
	}
	check("after the district changed", run)
}
