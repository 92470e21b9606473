package pgstate_test

import (
	"context"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// roundTrip is the floor: the mean time of one `SELECT 1` on the pool,
// measured in the same run (before and after the timed loop, averaged),
// so the ratios below depend less on the machine and how busy it is.
func roundTrip(b *testing.B, s *pgstate.State) time.Duration {
	const n = 300
	ctx := context.Background()
	start := time.Now()
	for range n {
		if _, err := s.Pool().Exec(ctx, `SELECT 1`); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / n
}

func benchState(b *testing.B) *pgstate.State {
	s, err := pgstate.Open(b.Context(), testDatabase(b), pgstate.Options{HistoryLimit: 200})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkRecordRun: one run recorded (a transaction of head upsert,
// insert, last success and trim) past the history limit, so every write
// also trims. Reports the cost in round trips of the floor.
//
//	go test ./connectors/syncstate/pgstate -run xxx -bench . -benchtime 2000x
func BenchmarkRecordRun(b *testing.B) {
	s := benchState(b)
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 250 { // beyond the limit before timing
		if _, err := s.RecordRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerSchedule, Started: at, Ended: at, Result: syncstate.ResultSuccess, Counts: syncstate.Counts{Desired: i}}); err != nil {
			b.Fatal(err)
		}
	}
	floor := roundTrip(b, s)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.RecordRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerSchedule, Started: at, Ended: at, Result: syncstate.ResultSuccess, Counts: syncstate.Counts{Desired: i}}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	floor = (floor + roundTrip(b, s)) / 2
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(floor), "roundtrips/op")
}

// BenchmarkLastSuccess: the scheduler's read at start-up, one row by key.
func BenchmarkLastSuccess(b *testing.B) {
	s := benchState(b)
	ctx := context.Background()
	if _, err := s.RecordRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerSchedule, Result: syncstate.ResultSuccess}); err != nil {
		b.Fatal(err)
	}
	floor := roundTrip(b, s)
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := s.LastSuccess(ctx, "hs"); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
	b.StopTimer()
	floor = (floor + roundTrip(b, s)) / 2
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(floor), "roundtrips/op")
}
