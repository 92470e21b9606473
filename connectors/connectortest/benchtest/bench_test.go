package benchtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// paged serves n people, pageSize a page, and counts the pages.
type paged struct {
	n, pageSize int
	pages       atomic.Int64
}

func (p *paged) Fetch(ctx context.Context, _ connectors.Selection, emit func([]connectors.Person) error) error {
	for i := 0; i < p.n; i += p.pageSize {
		page := make([]connectors.Person, 0, p.pageSize)
		for j := i; j < min(i+p.pageSize, p.n); j++ {
			page = append(page, connectors.Person{ExternalID: fmt.Sprint(j), Email: fmt.Sprintf("p%d@district.example.org", j), Role: license.Role("student")})
		}
		p.pages.Add(1)
		if err := emit(page); err != nil {
			return err
		}
	}
	return nil
}

// Each benchmark runs on a connector and reports the district's size and
// the pages each iteration read.
func TestBenchmarksReport(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bench func(*testing.B, Target)
	}{{"Fetch", Fetch}, {"Sync", Sync}, {"Resync", Resync}} {
		t.Run(tc.name, func(t *testing.T) {
			conn := &paged{n: 250, pageSize: 100}
			res := testing.Benchmark(func(b *testing.B) {
				tc.bench(b, Target{Conn: conn, Selection: connectors.Selection{Units: []string{"all"}}, Enrollments: 250,
					Pages: func() int { return int(conn.pages.Load()) }})
			})
			if res.N == 0 {
				t.Fatal("the benchmark did not run (it failed)")
			}
			if got := res.Extra["enrollments"]; got != 250 {
				t.Errorf("enrollments = %v, want 250", got)
			}
			if got := res.Extra["pages/op"]; got != 3 {
				t.Errorf("pages/op = %v, want 3 (250 people at 100 a page)", got)
			}
		})
	}
}

// A district size that is not a number of at least 100 fails the
// benchmark rather than running another size.
func TestEnrollments(t *testing.T) {
	if os.Getenv("BENCHTEST_CHILD") == "1" {
		Enrollments(t)
		return
	}
	for _, tc := range []struct {
		env  string
		fail bool
	}{{"", false}, {"5000", false}, {"99", true}, {"many", true}} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestEnrollments$")
		cmd.Env = append(os.Environ(), "BENCHTEST_CHILD=1", "ROLLCALL_BENCH_ENROLLMENTS="+tc.env)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.fail {
			t.Errorf("ROLLCALL_BENCH_ENROLLMENTS=%q: failed=%v, want %v\n%s", tc.env, failed, tc.fail, out)
		}
		if tc.fail && !strings.Contains(string(out), "want a number of at least 100") {
			t.Errorf("ROLLCALL_BENCH_ENROLLMENTS=%q: output %q does not say what is wanted", tc.env, out)
		}
	}
	t.Setenv("ROLLCALL_BENCH_ENROLLMENTS", "")
	if got := Enrollments(t); got != DefaultEnrollments {
		t.Errorf("Enrollments() = %d with the variable unset, want %d", got, DefaultEnrollments)
	}
}
