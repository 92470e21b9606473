// Package statetest is the conformance suite of sync-state backends
// (syncstate.Backend): the run lifecycle that lets a killed run be found
// and recorded as interrupted, IDs without gaps, last success, deployment
// health (quarantine) and calendar window marks, all surviving a reopen.
// Every backend runs it from its own tests.
package statetest

import (
	"errors"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// Opener opens the backend on dir; called again with the same dir after
// Close, it must find the same data.
type Opener = func(t *testing.T, dir string) syncstate.Backend

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	t.Run("RunLifecycle", func(t *testing.T) { testRunLifecycle(t, open) })
	t.Run("Health", func(t *testing.T) { testHealth(t, open) })
	t.Run("WindowMarks", func(t *testing.T) { testWindowMarks(t, open) })
}

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func reopen(t *testing.T, open Opener, b syncstate.Backend, dir string) syncstate.Backend {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	nb := open(t, dir)
	t.Cleanup(func() { _ = nb.Close() })
	return nb
}

func testRunLifecycle(t *testing.T, open Opener) {
	ctx := t.Context()
	dir := t.TempDir()
	b := open(t, dir)
	begun, err := b.BeginRun(ctx, syncstate.Run{Deployment: "hs", Connector: "roster", Trigger: syncstate.TriggerSchedule, Started: t0, Result: syncstate.ResultSuccess})
	if err != nil {
		t.Fatal(err)
	}
	if begun.ID != 1 || begun.Result != syncstate.ResultRunning || !begun.Ended.IsZero() {
		t.Fatalf("BeginRun = %+v; want run 1, running, not ended (whatever result it was given)", begun)
	}
	if _, ok, _ := b.LastSuccess(ctx, "hs"); ok {
		t.Fatal("a running run counts as a success")
	}
	// Progress, then another deployment's run, then the process "dies".
	begun.Counts.Added = 40
	if _, err := b.UpdateRun(ctx, begun); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RecordRun(ctx, syncstate.Run{Deployment: "ms", Trigger: syncstate.TriggerManual, Started: t0, Ended: t0, Result: syncstate.ResultSuccess}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.UpdateRun(ctx, syncstate.Run{ID: 9, Deployment: "hs", Trigger: syncstate.TriggerManual, Result: syncstate.ResultSuccess}); !errors.Is(err, syncstate.ErrNotFound) {
		t.Errorf("UpdateRun of a run never begun = %v, want ErrNotFound", err)
	}
	if _, err := b.UpdateRun(ctx, syncstate.Run{ID: 1, Deployment: "hs", Trigger: "cron", Result: syncstate.ResultSuccess}); err == nil {
		t.Error("UpdateRun accepted an unknown trigger")
	}

	b = reopen(t, open, b, dir)
	un, err := b.Unfinished(ctx)
	if err != nil || len(un) != 1 || un[0].ID != 1 || un[0].Deployment != "hs" || un[0].Counts.Added != 40 {
		t.Fatalf("Unfinished after reopen = %+v, %v; want hs run 1 with its progress", un, err)
	}
	r := un[0]
	r.Result, r.Ended = syncstate.ResultInterrupted, t0.Add(time.Minute)
	if _, err := b.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if un, _ := b.Unfinished(ctx); len(un) != 0 {
		t.Fatalf("Unfinished after recording the interruption = %+v", un)
	}
	next, err := b.BeginRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerStartup, Started: t0.Add(2 * time.Minute)})
	if err != nil || next.ID != 2 {
		t.Fatalf("next run = %+v, %v; want ID 2 (no gap)", next, err)
	}
	next.Result, next.Ended = syncstate.ResultGuarded, next.Started.Add(time.Second)
	if _, err := b.UpdateRun(ctx, next); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.LastSuccess(ctx, "hs"); ok {
		t.Fatal("interrupted and guarded runs are not successes")
	}
	next2, _ := b.BeginRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerManual, Started: t0.Add(3 * time.Minute)})
	next2.Result, next2.Ended = syncstate.ResultHeld, next2.Started
	if _, err := b.UpdateRun(ctx, next2); err != nil {
		t.Fatal(err)
	}
	if last, ok, _ := b.LastSuccess(ctx, "hs"); !ok || last.ID != 3 {
		t.Fatalf("LastSuccess = %+v, %v; want the held run 3 (its adds were applied)", last, ok)
	}
	got, err := b.Run(ctx, "hs", 1)
	if err != nil || got.Result != syncstate.ResultInterrupted || got.Counts.Added != 40 {
		t.Fatalf("Run(hs, 1) = %+v, %v", got, err)
	}
	if _, err := b.Run(ctx, "hs", 99); !errors.Is(err, syncstate.ErrNotFound) {
		t.Errorf("Run of a missing ID = %v, want ErrNotFound", err)
	}
	runs, _ := b.Runs(ctx, "hs", 0)
	if len(runs) != 3 || runs[0].ID != 3 || runs[2].ID != 1 {
		t.Fatalf("Runs = %+v; want 3, 2, 1", runs)
	}
}

func testHealth(t *testing.T, open Opener) {
	ctx := t.Context()
	dir := t.TempDir()
	b := open(t, dir)
	if h, err := b.Health(ctx, "hs"); err != nil || h != (syncstate.Health{Deployment: "hs"}) {
		t.Fatalf("Health of a new deployment = %+v, %v; want zero", h, err)
	}
	until := t0.Add(6 * time.Hour)
	h, err := b.UpdateHealth(ctx, "hs", func(h *syncstate.Health) {
		h.Failures, h.Quarantined, h.Since, h.Until, h.Level, h.Reason = 5, true, t0, until, 1, "5 failed runs in a row"
	})
	if err != nil || !h.Quarantined || h.Deployment != "hs" {
		t.Fatalf("UpdateHealth = %+v, %v", h, err)
	}
	b = reopen(t, open, b, dir)
	h, err = b.Health(ctx, "hs")
	if err != nil || !h.Quarantined || !h.Until.Equal(until) || h.Failures != 5 || h.Level != 1 {
		t.Fatalf("Health after reopen = %+v, %v", h, err)
	}
	if other, _ := b.Health(ctx, "ms"); other.Quarantined {
		t.Fatal("another deployment shares the quarantine")
	}
	if _, err := b.UpdateHealth(ctx, "hs", func(h *syncstate.Health) { *h = syncstate.Health{} }); err != nil {
		t.Fatal(err)
	}
	if h, _ := b.Health(ctx, "hs"); h != (syncstate.Health{Deployment: "hs"}) {
		t.Fatalf("Health after clearing = %+v", h)
	}
}

func testWindowMarks(t *testing.T, open Opener) {
	ctx := t.Context()
	dir := t.TempDir()
	b := open(t, dir)
	if _, ok, err := b.WindowMark(ctx, "hs"); ok || err != nil {
		t.Fatalf("WindowMark of a new deployment: %v, %v", ok, err)
	}
	m := syncstate.WindowMark{Deployment: "hs", Window: "summer", Kind: "blackout", Ends: t0.AddDate(0, 2, 0), Baseline: 1200}
	if err := b.PutWindowMark(ctx, m); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, open, b, dir)
	got, ok, err := b.WindowMark(ctx, "hs")
	if err != nil || !ok || got.Window != "summer" || got.Baseline != 1200 || !got.Ends.Equal(m.Ends) {
		t.Fatalf("WindowMark after reopen = %+v, %v, %v", got, ok, err)
	}
	if err := b.ClearWindowMark(ctx, "hs"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.WindowMark(ctx, "hs"); ok {
		t.Fatal("the mark outlived ClearWindowMark")
	}
}
