package syncstate_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// BenchmarkRecordRun records runs into a full history, so every write also
// trims one run: the steady state of a long-running server.
func BenchmarkRecordRun(b *testing.B) {
	s, err := syncstate.Open(filepath.Join(b.TempDir(), "sync.db"), syncstate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range syncstate.DefaultHistoryLimit {
		if _, err := s.RecordRun(ctx, run("d", syncstate.ResultFailed, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if _, err := s.RecordRun(ctx, run("d", syncstate.ResultSuccess, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLastSuccess is what the scheduler asks of every job at start-up.
func BenchmarkLastSuccess(b *testing.B) {
	s, err := syncstate.Open(filepath.Join(b.TempDir(), "sync.db"), syncstate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range syncstate.DefaultHistoryLimit {
		if _, err := s.RecordRun(ctx, run("d", syncstate.ResultSuccess, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, ok, err := s.LastSuccess(ctx, "d"); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
