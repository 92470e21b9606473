package benchtest

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// Target is a connector open on its fake's district.
type Target struct {
	Conn        connectors.Connector
	Selection   connectors.Selection // the whole district
	Enrollments int                  // the district's size, reported
	// Pages is how many roster pages the fake has served so far; nil:
	// pages/op is not reported.
	Pages func() int
}

// now is the benchmarks' fixed "now", inside the license's term.
var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// Fetch pages and decodes the whole district with no store: the floor
// Sync and Resync are compared to.
func Fetch(b *testing.B, t Target) {
	m := start(t)
	b.ResetTimer()
	for b.Loop() {
		people := 0
		err := t.Conn.Fetch(context.Background(), t.Selection, func(p []connectors.Person) error { people += len(p); return nil })
		if err != nil {
			b.Fatal(err)
		}
		if people == 0 {
			b.Fatal("nobody fetched")
		}
	}
	m.report(b, t)
}

// Sync is a first sync of the whole district into a new bbolt store:
// Collect, Build and Apply, each iteration on a fresh store, whose
// opening is not timed.
func Sync(b *testing.B, t Target) {
	ctx := context.Background()
	d := deployment(t)
	m := start(t)
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		st := openStore(b, "r"+strconv.Itoa(i)+".db")
		b.StartTimer()
		plan, res := syncOnce(ctx, b, t, st, d)
		if len(plan.Adds) == 0 || res.MembersAdded != len(plan.Adds) {
			b.Fatalf("plan adds %d, store added %d members", len(plan.Adds), res.MembersAdded)
		}
		b.StopTimer()
		_ = st.Close()
		b.StartTimer()
	}
	m.report(b, t)
}

// Resync is a scheduled sync of an unchanged district into a store that
// already holds it: Collect, Build and an Apply with nothing to change,
// the steady state of a deployment.
func Resync(b *testing.B, t Target) {
	ctx := context.Background()
	d := deployment(t)
	st := openStore(b, "resync.db")
	defer st.Close()
	if plan, _ := syncOnce(ctx, b, t, st, d); len(plan.Adds) == 0 {
		b.Fatal("the first sync changed nothing")
	}
	m := start(t)
	b.ResetTimer()
	for b.Loop() {
		plan, _ := syncOnce(ctx, b, t, st, d)
		if n := len(plan.Adds) + len(plan.Updates) + len(plan.Removes); n != 0 {
			b.Fatalf("an unchanged district planned %d changes", n)
		}
	}
	m.report(b, t)
}

// deployment syncs the whole district to the "lms" license.
func deployment(t Target) connectors.Deployment {
	return connectors.Deployment{Name: "district", Connector: "bench", License: "lms",
		Selection: t.Selection, DeletionLimit: connectors.DefaultDeletionLimit}
}

// openStore opens a new bbolt store holding the district license.
func openStore(b *testing.B, file string) *bolt.Store {
	b.Helper()
	st, err := bolt.Open(filepath.Join(b.TempDir(), file), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateLicense(context.Background(), license.License{ID: "lms", Name: "LMS", Type: license.TypeDistrict,
		Seats: 1_000_000, Created: now.AddDate(-1, 0, 0), Expires: now.AddDate(1, 0, 0)}); err != nil {
		_ = st.Close()
		b.Fatal(err)
	}
	return st
}

// syncOnce runs Collect, Build and Apply.
func syncOnce(ctx context.Context, b *testing.B, t Target, st *bolt.Store, d connectors.Deployment) (*reconcile.Plan, reconcile.Result) {
	b.Helper()
	snap, err := reconcile.Collect(ctx, t.Conn, d.Selection)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := reconcile.Build(ctx, st, d, snap, reconcile.Options{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	res, err := reconcile.Apply(ctx, st, plan, reconcile.ApplyOptions{Actor: "bench", Now: now})
	if err != nil {
		b.Fatal(err)
	}
	return plan, res
}

// meter holds the counters at the start of the timed loop.
type meter struct {
	cpu   time.Duration
	pages int
}

func start(t Target) meter {
	m := meter{cpu: cpuTime()}
	if t.Pages != nil {
		m.pages = t.Pages()
	}
	return m
}

// report adds the district's size, the pages read, the CPU time and the
// process's peak RSS, each per iteration where it adds up.
func (m meter) report(b *testing.B, t Target) {
	if cpu := cpuTime(); cpu > 0 {
		b.ReportMetric(float64(cpu-m.cpu)/float64(b.N)/1e9, "cpu-s/op")
	}
	b.ReportMetric(float64(t.Enrollments), "enrollments")
	if t.Pages != nil {
		b.ReportMetric(float64(t.Pages()-m.pages)/float64(b.N), "pages/op")
	}
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	}
}
