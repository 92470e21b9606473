package canvas

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
// enrollments (default 200,000) in courses of about 30, served by a fake
// on loopback, with a connector reading it at 100 a page.
func benchDistrict(b *testing.B) (*canvasEnv, int) {
	b.Helper()
	want := 200_000
	if v := os.Getenv("ROLLCALL_BENCH_ENROLLMENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("ROLLCALL_BENCH_ENROLLMENTS=%q: want a number of at least 100", v)
		}
		want = n
	}
	d := district(connectortest.GenerateRoster(1, want*10/19, want/30))
	e := newEnv(b, d, "bench", nil, nil, nil)
	return e, len(d.Enrollments)
}

// BenchmarkFetch pages and decodes the whole district with no store: the
// floor BenchmarkSync is compared to.
func BenchmarkFetch(b *testing.B) {
	e, n := benchDistrict(b)
	sel := connectors.Selection{Units: []string{"account:1"}}
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
	report(b, n, e)
}

// BenchmarkSync is a first sync of the whole district into a new bbolt
// store: Collect, Build and Apply, each iteration on a fresh store.
func BenchmarkSync(b *testing.B) {
	e, n := benchDistrict(b)
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
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
			Selection: connectors.Selection{Units: []string{"account:1"}}, DeletionLimit: connectors.DefaultDeletionLimit}
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
	report(b, n, e)
}

func report(b *testing.B, enrollments int, e *canvasEnv) {
	b.ReportMetric(float64(enrollments), "enrollments")
	b.ReportMetric(float64(e.srv.Counts().UserPages)/float64(b.N), "pages/op")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	}
}
