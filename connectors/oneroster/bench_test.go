package oneroster

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
)

// The benchmarks read a district of about 200,000 enrollments (100,000
// people in 4,000 classes; ROLLCALL_BENCH_PEOPLE scales it) from the fake
// on loopback (REST 1.2, limit 1000) and from a zip bundle, and measure
// the floor each is compared to: the same pages fetched and decoded with
// nothing done to them, and the same CSV files parsed with no checks.
// Run one at a time under /usr/bin/time -v for the peak RSS.

var benchDistrict = sync.OnceValue(func() *fake.District {
	people := 100_000
	if v := os.Getenv("ROLLCALL_BENCH_PEOPLE"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			people = n
		}
	}
	return fake.Generate(1, people, max(people/25, 2))
})

func benchREST(b *testing.B) (*restEnv, connectors.Selection) {
	d := benchDistrict()
	e := newREST(b, d, restOptions{version: V12, settings: func(s *Settings) { s.Limit = 1000 }})
	return e, wholeSelection(d)
}

func reportHeap(b *testing.B) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-after-MB")
}

func BenchmarkFetchREST12(b *testing.B) {
	e, sel := benchREST(b)
	var people int
	b.ResetTimer()
	for b.Loop() {
		people = 0
		if err := e.conn.Fetch(context.Background(), sel, func(p []connectors.Person) error { people += len(p); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(people), "people/op")
	b.ReportMetric(float64(len(benchDistrict().Enrollments)), "enrollments")
	reportHeap(b)
}

// BenchmarkPagingREST12 is the floor: the same listings paged and
// decoded into the same record types, with nothing kept.
func BenchmarkPagingREST12(b *testing.B) {
	e, sel := benchREST(b)
	b.ResetTimer()
	for b.Loop() {
		for _, u := range sel.Units {
			path := "/schools/" + url.PathEscape(u[len(unitOrg):]) + "/enrollments"
			if _, err := listPages(context.Background(), e.conn, path, "enrollments", nil, enrollmentID, func([]enrollment) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := listPages(context.Background(), e.conn, "/users", "users", nil, userID, func([]user) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	reportHeap(b)
}

func benchBundle(b *testing.B) (string, connectors.Selection) {
	d := benchDistrict()
	path := filepath.Join(b.TempDir(), "oneroster.zip")
	if err := fake.WriteBundle(d, path, fake.BundleOptions{Zip: true}); err != nil {
		b.Fatal(err)
	}
	return path, wholeSelection(d)
}

func BenchmarkFetchBundle(b *testing.B) {
	path, sel := benchBundle(b)
	c, err := NewCSV(CSVSettings{Path: path}, connectors.OpenOptions{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	var people int
	b.ResetTimer()
	for b.Loop() {
		people = 0
		if err := c.Fetch(context.Background(), sel, func(p []connectors.Person) error { people += len(p); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(people), "people/op")
	reportHeap(b)
}

// BenchmarkParseBundle is the bundle's floor: the zip opened and every
// file read through encoding/csv, nothing checked or kept.
func BenchmarkParseBundle(b *testing.B) {
	path, _ := benchBundle(b)
	b.ResetTimer()
	for b.Loop() {
		fsys, closer, err := openBundle(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{fileManifest, fileOrgs, fileClasses, fileUsers, fileEnrollments} {
			f, err := fsys.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			r := csv.NewReader(f)
			r.ReuseRecord = true
			for {
				if _, err := r.Read(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
			f.Close()
		}
		closer.Close()
	}
	reportHeap(b)
}
