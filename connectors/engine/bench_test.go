package engine

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// BenchmarkDirectorySync is issue 4's end-to-end figure: a district synced
// through the real Google client and JWT flow from the fake on loopback
// into a bbolt store, first into an empty license, then unchanged, then
// after 1 % churn, each reported as a ratio to the floor (the same paging
// and decoding with no store) measured in the same run.
// ROLLCALL_BENCH_PEOPLE sets the size (default 100,000; the figure
// is 1,000,000). Run one op: -benchtime 1x.
func BenchmarkDirectorySync(b *testing.B) {
	people := 100_000
	if v := os.Getenv("ROLLCALL_BENCH_PEOPLE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("ROLLCALL_BENCH_PEOPLE=%q: want a positive number", v)
		}
		people = n
	}
	for b.Loop() {
		f := newDirectoryBench(b, people)
		floor := timeIt(b, func() {
			if _, err := reconcile.Collect(context.Background(), f.conn, f.sel); err != nil {
				b.Fatal(err)
			}
		})
		first := timeIt(b, func() { f.run(b) })
		before, err := os.Stat(f.store.Path())
		if err != nil {
			b.Fatal(err)
		}
		unchanged := timeIt(b, func() {
			if run := f.run(b); run.Counts.Added+run.Counts.Updated+run.Counts.Removed != 0 {
				b.Fatalf("unchanged source changed %+v", run.Counts)
			}
		})
		// bbolt rewrites a meta page on every commit, so any write
		// transaction, even an empty one, moves the file's mtime.
		if after, err := os.Stat(f.store.Path()); err != nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
			b.Fatalf("unchanged sync wrote to the store (%v)", err)
		}
		f.srv.Churn(rand.New(rand.NewPCG(1, 2)), people/100)
		churn := timeIt(b, func() { f.run(b) })
		b.ReportMetric(floor.Seconds(), "floor-s")
		b.ReportMetric(first.Seconds()/floor.Seconds(), "first-x")
		b.ReportMetric(unchanged.Seconds()/floor.Seconds(), "unchanged-x")
		b.ReportMetric(churn.Seconds()/floor.Seconds(), "churn-x")
	}
}

func timeIt(b *testing.B, f func()) time.Duration {
	b.Helper()
	start := time.Now()
	f()
	return time.Since(start)
}

type directoryBench struct {
	srv    *fake.Server
	conn   connectors.Connector
	sel    connectors.Selection
	store  *bolt.Store
	engine *Engine
}

func newDirectoryBench(b *testing.B, people int) *directoryBench {
	b.Helper()
	dir := b.TempDir()
	f := &directoryBench{srv: fake.New(fake.Options{District: fake.Generate(1, people)})}
	b.Cleanup(f.srv.Close)
	key, err := f.srv.NewServiceAccount()
	if err != nil {
		b.Fatal(err)
	}
	keyFile := filepath.Join(dir, "sa.json")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		b.Fatal(err)
	}
	// The fake has no quota: pace the connector far above what it sends,
	// so the figures measure the sync and not Google's default quota.
	s := &googledirectory.Settings{CredentialsFile: keyFile, Subject: f.srv.District().SuperAdmin, Endpoint: f.srv.Endpoint(), TokenURL: f.srv.TokenURL(),
		QuotaPerMinute: 1_000_000}
	if f.conn, err = s.Open(connectors.OpenOptions{Name: "district"}); err != nil {
		b.Fatal(err)
	}
	f.sel = connectors.Selection{Units: []string{"/Students", "/Staff"}, Roles: map[string]license.Role{"/Staff": license.RoleTeacher}}
	if f.store, err = bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.store.Close() })
	state, err := syncstate.Open(filepath.Join(dir, "syncstate.db"), syncstate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { state.Close() })
	if _, err := f.store.CreateLicense(context.Background(), license.License{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: 2 * people}); err != nil {
		b.Fatal(err)
	}
	dep := connectors.Deployment{Name: "all", Connector: "district", License: "district", Selection: f.sel,
		DeletionLimit: connectors.DeletionLimit{Percent: 100}}
	f.engine, err = New(Options{Store: f.store, State: state, Connectors: map[string]connectors.Connector{"district": f.conn}, Deployments: []connectors.Deployment{dep}})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func (f *directoryBench) run(b *testing.B) syncstate.Run {
	b.Helper()
	run, err := f.engine.Run(context.Background(), "all", TriggerManual)
	if err != nil {
		b.Fatal(err)
	}
	return run
}
