package static

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// writeRoster writes a CSV roster of n people spread over 40 org units,
// with a role column set for one row in ten.
func writeRoster(t testing.TB, n int) (dir string, size int64) {
	t.Helper()
	dir = t.TempDir()
	f, err := os.Create(filepath.Join(dir, "people.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "email,name,role,org_unit,external_id")
	for i := range n {
		role := ""
		if i%10 == 0 {
			role = "teacher"
		}
		fmt.Fprintf(w, "person%d@district.example.org,Person Number %d,%s,/Students/School%d/Grade%d,ext-%d\n", i, i, role, i%8, i%5, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, st.Size()
}

var benchSelection = connectors.Selection{
	Units:       []string{"/Students"},
	Roles:       map[string]license.Role{"/Students/School1": license.RoleOther},
	DefaultRole: license.RoleStudent,
}

// Allocations per row stay bounded: about one (the row's text), plus one
// page per page_size rows, however large the file.
func TestFetchAllocsPerRow(t *testing.T) {
	const rows = 20_000
	dir, _ := writeRoster(t, rows)
	c, err := (&Config{Path: "people.csv"}).Open(connectors.OpenOptions{BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	allocs := testing.AllocsPerRun(3, func() {
		n = 0
		if err := c.Fetch(context.Background(), benchSelection, func(p []connectors.Person) error {
			n += len(p)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	if n != rows {
		t.Fatalf("fetched %d people, want %d", n, rows)
	}
	if perRow := allocs / rows; perRow > 1.1 {
		t.Errorf("%.2f allocations per row (%.0f in all), want at most 1.1", perRow, allocs)
	}
}

// BenchmarkFetch1M streams a 1,000,000-row CSV roster through Fetch.
// Reported: MB/s of file read, ns/row, allocs, and the peak live heap
// sampled during the fetch (which stays flat however large the file).
//
//	go test -run XXX -bench Fetch1M -benchtime 3x ./connectors/static
func BenchmarkFetch1M(b *testing.B) {
	const rows = 1_000_000
	dir, size := writeRoster(b, rows)
	c, err := (&Config{Path: "people.csv"}).Open(connectors.OpenOptions{BaseDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var peak uint64
	var ms runtime.MemStats
	runtime.GC()
	for b.Loop() {
		pages, n := 0, 0
		err := c.Fetch(context.Background(), benchSelection, func(p []connectors.Person) error {
			pages++
			n += len(p)
			if pages%200 == 0 { // sampling stops the world: not on every page
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return nil
		})
		if err != nil || n != rows {
			b.Fatalf("fetched %d people: %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
