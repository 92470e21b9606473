package reconcile

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// The benchmarks of issue 3 ("Performance"): a deployment of
// RECONCILE_BENCH_N people (default 1,000,000) read in pages of 500.
//
//	go test -run '^$' -bench . -benchtime 1x ./connectors/reconcile
//	RECONCILE_BENCH_N=100000 go test -run '^$' -bench . ./connectors/reconcile
//
// Peak RSS: build the test binary (go test -c) and run one benchmark at a
// time under /usr/bin/time -v (or read peak-RSS-MB, the same VmHWM).
// RECONCILE_BENCH_DIR puts the store elsewhere (e.g. /dev/shm);
// RECONCILE_BENCH_BATCH sets ApplyOptions.BatchSize; RECONCILE_BENCH_SPILL=1
// spills the snapshots (CollectOptions.SpillDir, a temporary folder) as the
// engine does. The store is seeded by streaming changes
// straight into it, so a benchmark's peak is its own, not its setup's.

// benchBatch is ApplyOptions.BatchSize for the benchmarks
// (RECONCILE_BENCH_BATCH; unset: DefaultBatchSize).
func benchBatch() int {
	n, _ := strconv.Atoi(os.Getenv("RECONCILE_BENCH_BATCH"))
	return n
}

// reportPeakRSS adds the process's peak resident set (VmHWM, Linux only)
// to the benchmark's figures. It is the process's peak: run one benchmark
// per process to read it. The store is seeded by streaming, which peaks
// far lower than any benchmark, so it is then the benchmark's own peak.
func reportPeakRSS(b *testing.B, read time.Duration) {
	if read > 0 {
		b.ReportMetric(float64(b.Elapsed())/float64(read), "x-read")
	}
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			if kb, err := strconv.Atoi(f[1]); err == nil {
				b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
			}
		}
	}
}

func benchN(b *testing.B) int {
	n := 1_000_000
	if v := os.Getenv("RECONCILE_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("RECONCILE_BENCH_N=%q: want a positive integer", v)
		}
	}
	return n
}

// genSource deterministically generates n people in pages of 500. Round r
// is the roster after r rounds of 1 % churn: in each round, one person in
// a hundred leaves and is replaced by a newcomer (a new email), and another
// one in a hundred moves org unit.
type genSource struct {
	n, round int
}

const genPage = 500

func (g *genSource) Fetch(ctx context.Context, _ connectors.Selection, emit func([]connectors.Person) error) error {
	for lo := 0; lo < g.n; lo += genPage {
		if err := ctx.Err(); err != nil {
			return err
		}
		page := make([]connectors.Person, 0, genPage)
		for i := lo; i < min(lo+genPage, g.n); i++ {
			page = append(page, g.person(i))
		}
		if err := emit(page); err != nil {
			return err
		}
	}
	return nil
}

// timesHit counts the rounds 1..round that touch person i at offset off.
func timesHit(i, off, round int) int {
	k := (i%100 - off%100 + 100) % 100
	if k == 0 {
		return round / 100
	}
	if round < k {
		return 0
	}
	return (round-k)/100 + 1
}

func (g *genSource) person(i int) connectors.Person {
	var b []byte
	b = append(b, 's')
	b = strconv.AppendInt(b, int64(i), 10)
	if v := timesHit(i, 0, g.round); v > 0 {
		b = append(b, 'v')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	email := string(append(b, "@district.example.org"...))
	role := license.RoleStudent
	switch {
	case i%25 == 0:
		role = license.RoleTeacher
	case i%50 == 1:
		role = license.RoleOther
	}
	ou := "/Schools/S" + strconv.Itoa(i%40) + "/Grade " + strconv.Itoa(i%12)
	if v := timesHit(i, 50, g.round); v > 0 {
		ou += "/Moved " + strconv.Itoa(v)
	}
	return connectors.Person{
		ExternalID: "ext-" + strconv.Itoa(i),
		Email:      email,
		Name:       "Student " + strconv.Itoa(i),
		Role:       role,
		OrgUnit:    ou,
	}
}

// benchStore opens a fresh store with a license of 2n seats, in
// RECONCILE_BENCH_DIR if set (e.g. /dev/shm, to take the disk's fsync
// latency out of the figures), else in a temporary directory.
func benchStore(b *testing.B, n int) *bolt.Store {
	b.Helper()
	dir := b.TempDir()
	if d := os.Getenv("RECONCILE_BENCH_DIR"); d != "" {
		var err error
		if dir, err = os.MkdirTemp(d, "reconcile-bench-"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = os.RemoveAll(dir) })
	}
	s, err := bolt.Open(filepath.Join(dir, "r.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if _, err := s.CreateLicense(context.Background(), license.License{ID: "lic", Name: "District", Type: license.TypeDistrict, Seats: 2 * n}); err != nil {
		b.Fatal(err)
	}
	return s
}

// seed writes what g says straight into the store as the deployment's
// claims, a page at a time, without a snapshot or a plan.
func seed(b *testing.B, s license.Store, d connectors.Deployment, g *genSource) {
	b.Helper()
	src := d.Source()
	changes := make([]license.Change, 0, DefaultBatchSize)
	flush := func() error {
		_, err := s.Apply(context.Background(), d.License, changes, license.ApplyOptions{Actor: "seed", Now: testNow})
		changes = changes[:0]
		return err
	}
	err := g.Fetch(context.Background(), d.Selection, func(page []connectors.Person) error {
		for _, p := range page {
			changes = append(changes, license.Change{Op: license.OpUpsert, Email: p.Email, Source: src,
				Name: p.Name, Role: p.Role, OrgUnit: p.OrgUnit, ExternalID: p.ExternalID})
		}
		if len(changes) >= DefaultBatchSize {
			return flush()
		}
		return nil
	})
	if err == nil && len(changes) > 0 {
		err = flush()
	}
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
}

// lastSeq finds the newest audit event's sequence number by bisection.
func lastSeq(b *testing.B, s license.Store, licenseID string) uint64 {
	b.Helper()
	exists := func(after uint64) bool {
		ev, err := s.Events(context.Background(), licenseID, license.EventQuery{After: after, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		return len(ev) > 0
	}
	lo, hi := uint64(0), uint64(1)
	for exists(hi) {
		lo, hi = hi, hi*2
	}
	for lo+1 < hi { // an event after lo exists, none after hi
		mid := lo + (hi-lo)/2
		if exists(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	if !exists(lo) {
		return lo
	}
	return hi
}

// sync1 runs one sync and adds the time Collect took to *read, so each
// benchmark reports its ratio to reading the source in the same run.
func sync1(b *testing.B, s license.Store, d connectors.Deployment, g *genSource, read *time.Duration) (*Plan, Result) {
	ctx := context.Background()
	start := time.Now()
	var copts CollectOptions
	if os.Getenv("RECONCILE_BENCH_SPILL") == "1" {
		copts.SpillDir = b.TempDir()
	}
	snap, err := CollectWith(ctx, g, d.Selection, copts)
	if err != nil {
		b.Fatal(err)
	}
	defer snap.Close()
	*read += time.Since(start)
	p, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		b.Fatal(err)
	}
	res, err := Apply(ctx, s, p, ApplyOptions{Actor: "bench", Now: testNow, BatchSize: benchBatch()})
	if err != nil {
		b.Fatal(err)
	}
	return p, res
}

func BenchmarkReadSource(b *testing.B) {
	n := benchN(b)
	g := &genSource{n: n}
	var read time.Duration // zero: this is the floor itself
	b.ReportAllocs()
	for b.Loop() {
		snap, err := Collect(context.Background(), g, connectors.Selection{})
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.People) != n {
			b.Fatalf("snapshot of %d people, want %d", len(snap.People), n)
		}
	}
	reportPeakRSS(b, read)
}

func BenchmarkFirstSync(b *testing.B) {
	n := benchN(b)
	g := &genSource{n: n}
	d := deployment("lic", "district")
	var read time.Duration
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := benchStore(b, n)
		b.StartTimer()
		p, res := sync1(b, s, d, g, &read)
		b.StopTimer()
		if p.Counts.Adds != n || res.MembersAdded != n || len(res.Overflow) != 0 {
			b.Fatalf("first sync planned %d adds, added %d members, overflow %d; want %d, %d, 0", p.Counts.Adds, res.MembersAdded, len(res.Overflow), n, n)
		}
		_ = s.Close()
		b.StartTimer()
	}
	reportPeakRSS(b, read)
}

func BenchmarkUnchanged(b *testing.B) {
	n := benchN(b)
	g := &genSource{n: n}
	d := deployment("lic", "district")
	s := benchStore(b, n)
	seed(b, s, d, g)
	seq := lastSeq(b, s, "lic")
	var read time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, res := sync1(b, s, d, g, &read)
		if !p.Empty() || res.Changed() || p.Counts.Unchanged != n {
			b.Fatalf("unchanged source planned %+v and wrote %+v", p.Counts, res)
		}
	}
	b.StopTimer()
	if got := lastSeq(b, s, "lic"); got != seq {
		b.Fatalf("an unchanged sync wrote audit events %d..%d", seq+1, got)
	}
	reportPeakRSS(b, read)
}

func BenchmarkChurn1pct(b *testing.B) {
	n := benchN(b)
	d := deployment("lic", "district")
	s := benchStore(b, n)
	seed(b, s, d, &genSource{n: n})
	var read time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, res := sync1(b, s, d, &genSource{n: n, round: i + 1}, &read)
		// One in a hundred replaced, one in a hundred moved; the first
		// rounds also revert nothing, so the counts are exact.
		want := (n + 99 - (i+1)%100) / 100
		if p.Held || p.Counts.Adds != want || len(p.Removes) != want || res.ClaimsRemoved != want || res.MembersAdded != want {
			b.Fatalf("round %d: plan %+v, result %+v; want %d adds and removals", i+1, p.Counts, res, want)
		}
	}
	reportPeakRSS(b, read)
}
