package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// processCPU is the CPU time (user + system) this process has used: on a
// shared machine it moves far less with other load than wall time does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCPUApplyNew100k and BenchmarkCPUApplyNew1M report the process
// CPU time spent inside one first-sync Apply of n new members (10,000 a
// batch), and the bbolt page writes it made.
func BenchmarkCPUApplyNew100k(b *testing.B) { benchCPUApplyNew(b, benchMembers/10) }
func BenchmarkCPUApplyNew1M(b *testing.B)   { benchCPUApplyNew(b, benchMembers) }

func benchCPUApplyNew(b *testing.B, n int) {
	changes := benchRoster(n, 2)
	ctx := context.Background()
	var cpu time.Duration
	var writes int64
	for i := 0; i < b.N; i++ {
		s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{BatchSize: 10000})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.CreateLicense(ctx, license.License{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: n}); err != nil {
			b.Fatal(err)
		}
		w0 := pageWrites(s)
		c0 := processCPU()
		r, err := s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"})
		cpu += processCPU() - c0
		writes += pageWrites(s) - w0
		if err != nil || r.MembersAdded != n {
			b.Fatalf("Apply: %+v, %v", r, err)
		}
		b.ReportMetric(float64(fileSize(b, s.Path()))/1e6, "file-MB")
		s.Close()
	}
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(writes)/float64(b.N), "page-writes/op")
}

// BenchmarkCPUChurn* apply 1 % churn to a license of n members already
// synced: renames (one claim each changes its name) or removals (the
// member's only claim goes, a different 1 % each op).
func BenchmarkCPUChurnRename100k(b *testing.B) { benchCPUChurn(b, benchMembers/10, false) }
func BenchmarkCPUChurnRemove100k(b *testing.B) { benchCPUChurn(b, benchMembers/10, true) }
func BenchmarkCPUChurnRename1M(b *testing.B)   { benchCPUChurn(b, benchMembers, false) }
func BenchmarkCPUChurnRemove1M(b *testing.B)   { benchCPUChurn(b, benchMembers, true) }

func benchCPUChurn(b *testing.B, n int, remove bool) {
	changes := benchRoster(n, 2)
	ctx := context.Background()
	s := syncedStore(b, n, changes)
	var cpu time.Duration
	var writes int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		churn := make([]license.Change, 0, n/100)
		for j := 0; j < n/100; j++ {
			c := changes[(j*100+i)%n]
			if remove {
				c.Op = license.OpRemove
			} else {
				c.Name = fmt.Sprintf("%s %d", c.Name, i)
			}
			churn = append(churn, c)
		}
		w0 := pageWrites(s)
		c0 := processCPU()
		r, err := s.Apply(ctx, "district", churn, license.ApplyOptions{Actor: "bench"})
		cpu += processCPU() - c0
		writes += pageWrites(s) - w0
		if err != nil || r.Unchanged != 0 {
			b.Fatalf("churn: %+v, %v", r, err)
		}
	}
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(writes)/float64(b.N), "page-writes/op")
}

// pageWrites is how many pages bbolt has written since the store opened.
func pageWrites(s *Store) int64 {
	st := s.db.Stats()
	return st.TxStats.GetWrite()
}

// BenchmarkMemberHistory reads the audit history of one member of the
// million-member license (its member.added event), for 4,096 members in
// turn: the path that event packs and the member record now serve.
func BenchmarkMemberHistory(b *testing.B) {
	s, changes := benchFixture(b)
	ctx := context.Background()
	emails := sampleEmails(changes, 4096)
	changes = nil
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := processCPU()
	for i := 0; i < b.N; i++ {
		evs, err := s.Events(ctx, "district", license.EventQuery{Email: emails[i%len(emails)]})
		if err != nil || len(evs) != 1 || evs[0].Action != license.ActionMemberAdded {
			b.Fatalf("history of %s: %v, %v", emails[i%len(emails)], evs, err)
		}
	}
	b.ReportMetric(float64((processCPU()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkTrailPage reads pages of 100 audit events from places spread
// over the million-member license's trail, and the same through the feed.
func BenchmarkTrailPage(b *testing.B) {
	s, _ := benchFixture(b)
	ctx := context.Background()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := processCPU()
	for i := 0; i < b.N; i++ {
		after := uint64(i*7919) % (benchMembers - 1000)
		evs, err := s.Events(ctx, "district", license.EventQuery{After: after, Limit: 100})
		if err != nil || len(evs) != 100 || evs[0].Seq != after+1 {
			b.Fatalf("events after %d: %d, %v", after, len(evs), err)
		}
		f, err := s.Feed(ctx, license.FeedQuery{After: after, Limit: 100})
		if err != nil || len(f) != 100 {
			b.Fatalf("feed after %d: %d, %v", after, len(f), err)
		}
	}
	b.ReportMetric(float64((processCPU()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkCPUReapply100k applies a synced roster of 100,000 again:
// nothing to write, all plan.
func BenchmarkCPUReapply100k(b *testing.B) {
	n := benchMembers / 10
	changes := benchRoster(n, 2)
	ctx := context.Background()
	s := syncedStore(b, n, changes)
	w0 := pageWrites(s)
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := processCPU()
		r, err := s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"})
		cpu += processCPU() - c0
		if err != nil || r.Changed() || r.Unchanged != n {
			b.Fatalf("re-apply: %+v, %v", r, err)
		}
	}
	if w := pageWrites(s) - w0; w != 0 {
		b.Fatalf("re-apply wrote %d pages", w)
	}
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkCPUReapply1M is BenchmarkReapply1M in process CPU time.
func BenchmarkCPUReapply1M(b *testing.B) {
	s, changes := benchFixture(b)
	ctx := context.Background()
	runtime.GC()
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := processCPU()
		r, err := s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"})
		cpu += processCPU() - c0
		if err != nil || r.Changed() || r.Unchanged != benchMembers {
			b.Fatalf("re-apply: %+v, %v", r, err)
		}
	}
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
}

// syncedStore is a store in a temporary folder whose license "district"
// (n seats) holds changes, closed when the benchmark ends.
func syncedStore(b *testing.B, n int, changes []license.Change) *Store {
	b.Helper()
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.CreateLicense(ctx, license.License{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: n}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	return s
}

// sampleEmails picks n members' emails spread over changes.
func sampleEmails(changes []license.Change, n int) []string {
	emails := make([]string, n)
	for i := range emails {
		emails[i] = changes[(i*7919)%len(changes)].Email
	}
	return emails
}
