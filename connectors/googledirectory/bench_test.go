package googledirectory

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// BenchmarkFetch1M pages and decodes a whole district through the real
// client and the real token flow against the fake on loopback, with no
// store: the floor that end-to-end sync benchmarks are compared to.
// ROLLCALL_BENCH_PEOPLE overrides the size (default 1,000,000: about
// 2,000 pages of 500).
func BenchmarkFetch1M(b *testing.B) {
	people := 1_000_000
	if v := os.Getenv("ROLLCALL_BENCH_PEOPLE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("ROLLCALL_BENCH_PEOPLE=%q: want a positive number", v)
		}
		people = n
	}
	// The fake has no quota and answers at once: the connector's own
	// defaults for when to split, none for the quota.
	e := newEnv(b, fake.Generate(1, people), envOptions{splitLatency: DefaultSplitLatency,
		settings: func(s *Settings) { s.MaxResults = 500 }})
	sel := connectors.Selection{
		Units: []string{"/Students", "/Staff"},
		Roles: map[string]license.Role{"/Staff": license.RoleTeacher},
	}
	// The fake's district lives in this process too: report its heap so
	// that figures for Rollcall alone can subtract it.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fakeHeap := float64(ms.HeapAlloc) / (1 << 20)
	var emitted int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		emitted = 0
		before := e.srv.Counts().UsersList
		err := e.conn.Fetch(context.Background(), sel, func(page []connectors.Person) error {
			emitted += len(page)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(e.srv.Counts().UsersList-before), "pages/op")
	}
	b.ReportMetric(float64(emitted), "people/op")
	b.ReportMetric(fakeHeap, "fake-heap-MB")
}
