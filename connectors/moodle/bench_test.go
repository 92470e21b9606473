package moodle

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// benchDistrict is a district of about ROLLCALL_BENCH_ENROLLMENTS
// enrollments (default 200,000) in courses of about 30, served by the fake on
// loopback without its fidelity recorder, the connector at its default
// page size.
func benchDistrict(b *testing.B) (*env, int) {
	b.Helper()
	want := 200_000
	if v := os.Getenv("ROLLCALL_BENCH_ENROLLMENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("ROLLCALL_BENCH_ENROLLMENTS=%q: want a number of at least 100", v)
		}
		want = n
	}
	s := site(connectortest.GenerateRoster(1, want*10/19, want/30))
	e := newEnv(b, s, "bench", nil, nil, nil)
	return e, len(s.Enrolments)
}

// BenchmarkFetch pages and decodes the whole district with no store: the
// floor BenchmarkSync is compared to.
func BenchmarkFetch(b *testing.B) {
	e, n := benchDistrict(b)
	cpu0, pages0 := cpuTime(), func() float64 { _, n := e.srv.Counts(); return float64(n) }()
	sel := connectors.Selection{Units: []string{"category:2"}}
	b.ResetTimer()
	for b.Loop() {
		people := 0
		err := e.conn.Fetch(context.Background(), sel, func(p []connectors.Person) error { people += len(p); return nil })
		if err != nil {
			b.Fatal(err)
		}
		if people == 0 {
			b.Fatal("nobody fetched")
		}
	}
	report(b, n, e, cpu0, pages0)
}

// BenchmarkSync is a first sync of the whole district into a new bbolt
// store: Collect, Build and Apply, each iteration on a fresh store.
func BenchmarkSync(b *testing.B) {
	e, n := benchDistrict(b)
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cpu0, pages0 := cpuTime(), func() float64 { _, n := e.srv.Counts(); return float64(n) }()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		st, err := bolt.Open(filepath.Join(b.TempDir(), "r"+strconv.Itoa(i)+".db"), bolt.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.CreateLicense(ctx, license.License{ID: "lms", Name: "LMS", Type: license.TypeDistrict,
			Seats: 1_000_000, Created: now.AddDate(-1, 0, 0), Expires: now.AddDate(1, 0, 0)}); err != nil {
			b.Fatal(err)
		}
		d := connectors.Deployment{Name: "district", Connector: "bench", License: "lms",
			Selection: connectors.Selection{Units: []string{"category:2"}}, DeletionLimit: connectors.DefaultDeletionLimit}
		b.StartTimer()
		snap, err := reconcile.Collect(ctx, e.conn, d.Selection)
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
		if len(plan.Adds) == 0 || res.MembersAdded != len(plan.Adds) {
			b.Fatalf("plan adds %d, store added %d members", len(plan.Adds), res.MembersAdded)
		}
		b.StopTimer()
		_ = st.Close()
		b.StartTimer()
	}
	report(b, n, e, cpu0, pages0)
}

// BenchmarkResync is a scheduled sync of an unchanged district into a
// store that already holds it: Collect, Build and an Apply with nothing
// to change, the steady state of a deployment.
func BenchmarkResync(b *testing.B) {
	e, n := benchDistrict(b)
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	st, err := bolt.Open(filepath.Join(b.TempDir(), "resync.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateLicense(ctx, license.License{ID: "lms", Name: "LMS", Type: license.TypeDistrict,
		Seats: 1_000_000, Created: now.AddDate(-1, 0, 0), Expires: now.AddDate(1, 0, 0)}); err != nil {
		b.Fatal(err)
	}
	d := connectors.Deployment{Name: "district", Connector: "bench", License: "lms",
		Selection: connectors.Selection{Units: []string{"category:2"}}, DeletionLimit: connectors.DefaultDeletionLimit}
	sync := func() int {
		snap, err := reconcile.Collect(ctx, e.conn, d.Selection)
		if err != nil {
			b.Fatal(err)
		}
		plan, err := reconcile.Build(ctx, st, d, snap, reconcile.Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := reconcile.Apply(ctx, st, plan, reconcile.ApplyOptions{Actor: "bench", Now: now}); err != nil {
			b.Fatal(err)
		}
		return len(plan.Adds) + len(plan.Updates) + len(plan.Removes)
	}
	if sync() == 0 {
		b.Fatal("the first sync changed nothing")
	}
	cpu0, pages0 := cpuTime(), func() float64 { _, n := e.srv.Counts(); return float64(n) }()
	b.ResetTimer()
	for b.Loop() {
		if changes := sync(); changes != 0 {
			b.Fatalf("an unchanged district planned %d changes", changes)
		}
	}
	report(b, n, e, cpu0, pages0)
}

// report adds the district's size, the pages read, the CPU time (client
// and fake together: steadier than wall time on a shared machine) and
// the process's peak RSS.
func report(b *testing.B, enrollments int, e *env, cpu0 time.Duration, pages0 float64) {
	if cpu := cpuTime(); cpu > 0 {
		b.ReportMetric(float64(cpu-cpu0)/float64(b.N)/1e9, "cpu-s/op")
	}
	b.ReportMetric(float64(enrollments), "enrollments")
	b.ReportMetric((func() float64 { _, n := e.srv.Counts(); return float64(n) }()-pages0)/float64(b.N), "pages/op")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	}
}
