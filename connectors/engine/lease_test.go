package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/postgres"
	"github.com/rollcall-sync/rollcall/license/postgres/pgtest"
)

// pgFixture is an engine on a PostgreSQL store and sync state (one
// database), as one replica of several would run.
type pgFixture struct {
	store  *postgres.Store
	state  *pgstate.State
	reg    *prometheus.Registry
	src    *source
	engine *Engine
}

func newPGFixture(t *testing.T, ttl time.Duration) *pgFixture {
	t.Helper()
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	f := &pgFixture{src: &source{}, reg: prometheus.NewRegistry()}
	var err error
	if f.store, err = postgres.Open(ctx, url, postgres.Options{BatchSize: 5}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	if f.state, err = pgstate.Open(ctx, url, pgstate.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.state.Close() })
	if _, err := f.store.CreateLicense(ctx, license.License{ID: "hs", Name: "High School", Type: license.TypeSchool, Seats: 100}); err != nil {
		t.Fatal(err)
	}
	dep := connectors.Deployment{Name: "hs", Connector: "roster", License: "hs", DeletionLimit: connectors.DefaultDeletionLimit, Schedule: "@every 1h"}
	f.engine, err = New(Options{Store: f.store, State: f.state, Metrics: metrics.New(f.reg), ReplicaID: "replica-a", LeaseTTL: ttl,
		Connectors: map[string]connectors.Connector{"roster": f.src}, Deployments: []connectors.Deployment{dep}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *pgFixture) runs(t *testing.T) []syncstate.Run {
	t.Helper()
	runs, err := f.state.Runs(t.Context(), "hs", 0)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func (f *pgFixture) used(t *testing.T) int {
	t.Helper()
	l, err := f.store.GetLicense(t.Context(), "hs")
	if err != nil {
		t.Fatal(err)
	}
	return l.Used
}

// steal makes the engine's lease expire (as if its replica had paused
// past it) and gives it to replica-b with the next token.
func (f *pgFixture) steal(t *testing.T) pgstate.Lease {
	t.Helper()
	if _, err := f.state.Pool().Exec(t.Context(), `UPDATE syncstate_leases SET expires_at = clock_timestamp() WHERE deployment = 'hs'`); err != nil {
		t.Fatal(err)
	}
	l, err := f.state.Acquire(t.Context(), "hs", "replica-b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// blockFetch makes the next Fetch wait until the returned func is called,
// and returns once that Fetch has begun (the run holds its lease then).
func (f *pgFixture) blockFetch(t *testing.T, run func()) (unblock func(), done <-chan struct{}) {
	t.Helper()
	block, started, fin := make(chan struct{}), make(chan struct{}), make(chan struct{})
	f.src.mu.Lock()
	f.src.block, f.src.started = block, started
	f.src.mu.Unlock()
	go func() {
		defer close(fin)
		run()
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not begin fetching")
	}
	return func() { close(block) }, fin
}

// leaseGauge reads rollcall_replica_leases{deployment="hs"} of this
// replica; -1 when the series is absent.
func (f *pgFixture) leaseGauge(t *testing.T) float64 {
	t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "rollcall_replica_leases" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["deployment"] == "hs" && labels["replica"] == f.engine.Replica() {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// TestLeaseHeldElsewhereRecordsNothing: a deployment another replica holds
// is not run and nothing is recorded; once free, the run takes the lease
// with a new token and lets it go at the end.
func TestLeaseHeldElsewhereRecordsNothing(t *testing.T) {
	f := newPGFixture(t, time.Minute)
	ctx := t.Context()
	f.src.set(people(0, 12, license.RoleStudent))
	other, err := f.state.Acquire(ctx, "hs", "replica-b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.engine.Run(ctx, "hs", TriggerManual)
	var held *pgstate.LeaseHeldError
	if !errors.Is(err, ErrRunning) || !errors.As(err, &held) || held.Holder != "replica-b" {
		t.Fatalf("Run while replica-b holds the lease: %v; want ErrRunning naming replica-b", err)
	}
	if runs := f.runs(t); len(runs) != 0 || f.used(t) != 0 || f.src.fetches.Load() != 0 {
		t.Fatalf("a replica without the lease recorded %d runs, applied %d members, fetched %d times; want none", len(runs), f.used(t), f.src.fetches.Load())
	}
	if err := f.state.Release(ctx, other); err != nil {
		t.Fatal(err)
	}
	run, err := f.engine.Run(ctx, "hs", TriggerManual)
	if err != nil || run.Result != syncstate.ResultSuccess || f.used(t) != 12 {
		t.Fatalf("Run after release = %+v, %v; %d members; want a success adding 12", run, err, f.used(t))
	}
	if ls, err := f.state.Leases(ctx); err != nil || len(ls) != 0 {
		t.Fatalf("leases after the run = %+v, %v; want the lease let go", ls, err)
	}
	if got := f.leaseGauge(t); got != 0 {
		t.Errorf("lease gauge after the run = %v; want 0", got)
	}
	next, err := f.state.Acquire(ctx, "hs", "replica-b", time.Minute)
	if err != nil || next.Token != other.Token+2 {
		t.Fatalf("next acquisition = %+v, %v; want token %d (the run took one)", next, err, other.Token+2)
	}
	if err := f.engine.LeaseCheck(ctx); err != nil {
		t.Errorf("LeaseCheck: %v", err)
	}
}

// TestStaleLeaseIsFencedOut: a replica whose lease passed to another while
// it was paused (here: in Fetch, renewals too far apart to notice) applies
// nothing: the store's batch transaction refuses its token.
func TestStaleLeaseIsFencedOut(t *testing.T) {
	f := newPGFixture(t, time.Minute) // renews every 20s: not within this test
	f.src.set(people(0, 12, license.RoleStudent))
	var run syncstate.Run
	var err error
	unblock, done := f.blockFetch(t, func() { run, err = f.engine.Run(context.Background(), "hs", TriggerManual) })
	if got := f.leaseGauge(t); got != 1 {
		t.Errorf("lease gauge while running = %v; want 1", got)
	}
	stolen := f.steal(t)
	unblock()
	<-done
	if !errors.Is(err, pgstate.ErrFenced) || run.Result != syncstate.ResultFailed {
		t.Fatalf("stale run = %+v, %v; want failed with ErrFenced", run, err)
	}
	if n := f.used(t); n != 0 {
		t.Fatalf("the fenced-out run applied %d members; want none", n)
	}
	// Its release did not free replica-b's lease.
	ls, lerr := f.state.Leases(t.Context())
	if lerr != nil || len(ls) != 1 || ls[0].Holder != "replica-b" || ls[0].Token != stolen.Token {
		t.Fatalf("leases = %+v, %v; want replica-b's token %d untouched", ls, lerr, stolen.Token)
	}
}

// TestLostLeaseStopsTheRun: renewing (every ttl/3) finds the lease gone and
// stops the run before it applies anything, well before it would end.
func TestLostLeaseStopsTheRun(t *testing.T) {
	f := newPGFixture(t, 1500*time.Millisecond)
	f.src.set(people(0, 12, license.RoleStudent))
	var run syncstate.Run
	var err error
	_, done := f.blockFetch(t, func() { run, err = f.engine.Run(context.Background(), "hs", TriggerManual) })
	f.steal(t)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the run went on 10s after its lease was lost")
	}
	if !errors.Is(err, pgstate.ErrLeaseLost) || run.Result != syncstate.ResultFailed || !strings.Contains(run.Error, "lease lost") || f.used(t) != 0 {
		t.Fatalf("run after losing its lease = %+v, %v, %d members; want failed for the lost lease, nothing applied", run, err, f.used(t))
	}
}

// TestTakeoverInterruptsTheDeadHoldersRun: the run a dead replica left
// running is recorded interrupted by the replica that takes the lease.
func TestTakeoverInterruptsTheDeadHoldersRun(t *testing.T) {
	f := newPGFixture(t, time.Minute)
	ctx := t.Context()
	f.src.set(people(0, 3, license.RoleStudent))
	dead, err := f.state.Acquire(ctx, "hs", "replica-dead", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	left, err := f.state.BeginRun(ctx, syncstate.Run{Deployment: "hs", Connector: "roster", Trigger: TriggerSchedule, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	// At start-up the engine leaves a leased deployment's running run alone.
	f.engine.Recover(ctx)
	if runs := f.runs(t); runs[0].Result != syncstate.ResultRunning {
		t.Fatalf("Recover marked a live lease's run %s", runs[0].Result)
	}
	if _, err := f.state.Pool().Exec(ctx, `UPDATE syncstate_leases SET expires_at = clock_timestamp() WHERE token = $1`, dead.Token); err != nil {
		t.Fatal(err)
	}
	run, err := f.engine.Run(ctx, "hs", TriggerSchedule)
	if err != nil || run.Result != syncstate.ResultSuccess {
		t.Fatalf("run after takeover = %+v, %v", run, err)
	}
	runs := f.runs(t)
	var found bool
	for _, r := range runs {
		if r.ID == left.ID {
			found = true
			if r.Result != syncstate.ResultInterrupted || !strings.Contains(r.Reason, "stopped") {
				t.Errorf("the dead holder's run is %s (%q); want interrupted", r.Result, r.Reason)
			}
		}
	}
	if !found {
		t.Fatalf("the dead holder's run %d is gone: %+v", left.ID, runs)
	}
}

// TestBoltTakesNoLeases: with a sync state that has no leases the engine
// runs as one process always did.
func TestBoltTakesNoLeases(t *testing.T) {
	f := newFixture(t, 10)
	if f.engine.leaser != nil || f.engine.Replica() != "" {
		t.Fatal("a bbolt engine took a leaser")
	}
	ctx, let, err := f.engine.holdLease(context.Background(), "hs")
	if err != nil {
		t.Fatal(err)
	}
	let()
	if _, ok := pgstate.FenceFrom(ctx); ok {
		t.Error("a bbolt run carries a fence")
	}
}

// TestScheduledRunWaitsForADeadHoldersLease: a scheduled firing that finds
// the lease held by a replica that no longer renews it tries again when
// that lease expires, instead of a whole interval later.
func TestScheduledRunWaitsForADeadHoldersLease(t *testing.T) {
	f := newPGFixture(t, time.Minute)
	ctx := t.Context()
	f.src.set(people(0, 4, license.RoleStudent))
	if _, err := f.state.Acquire(ctx, "hs", "replica-dead", 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	_, err := f.engine.Run(ctx, "hs", TriggerSchedule)
	var held *pgstate.LeaseHeldError
	if !errors.As(err, &held) {
		t.Fatalf("Run under replica-dead's lease: %v; want a LeaseHeldError", err)
	}
	start := time.Now()
	f.engine.waitHeld(ctx, "hs", TriggerSchedule, held)
	took := time.Since(start)
	runs := f.runs(t)
	if len(runs) != 1 || runs[0].Result != syncstate.ResultSuccess || f.used(t) != 4 {
		t.Fatalf("after the dead holder's lease expired: runs %+v, %d members; want one success adding 4", runs, f.used(t))
	}
	if took > 5*time.Second {
		t.Errorf("the retry came %s after the firing; want at the lease's expiry (1.5s)", took)
	}
	// Stop ends such a wait at once.
	if _, err := f.state.Acquire(ctx, "hs", "replica-b", time.Minute); err != nil {
		t.Fatal(err)
	}
	_, err = f.engine.Run(ctx, "hs", TriggerSchedule)
	if !errors.As(err, &held) {
		t.Fatalf("Run under replica-b's lease: %v", err)
	}
	if err := f.engine.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	f.engine.waitHeld(ctx, "hs", TriggerSchedule, held)
	if d := time.Since(start); d > time.Second {
		t.Errorf("waitHeld after Stop took %s", d)
	}
}

// TestReplicaFollowsDeploymentsMadeElsewhere: a run-time deployment made
// through another replica is scheduled here too, and unscheduled when that
// replica undeploys it.
func TestReplicaFollowsDeploymentsMadeElsewhere(t *testing.T) {
	f := newPGFixture(t, time.Minute)
	ctx := t.Context()
	f.src.set(people(0, 4, license.RoleStudent))
	f.engine.follow = 100 * time.Millisecond
	if err := f.engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.engine.Stop(context.Background()) })
	other, err := New(Options{Store: f.store, State: f.state, ReplicaID: "replica-b",
		Connectors: map[string]connectors.Connector{"roster": f.src}})
	if err != nil {
		t.Fatal(err)
	}
	ms := connectors.Deployment{Name: "ms", Connector: "roster", License: "hs", DeletionLimit: connectors.DefaultDeletionLimit, Schedule: "@every 1h"}
	if err := other.AddDeployment(ctx, ms); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("ms scheduled on replica-a", func() bool { return !f.engine.Next("ms").IsZero() })
	f.engine.Wait()
	waitFor("hs and ms idle", func() bool { return !f.engine.isRunning("hs") && !f.engine.isRunning("ms") })
	if _, err := other.Undeploy(ctx, "ms", "admin"); err != nil {
		t.Fatal(err)
	}
	waitFor("ms unscheduled on replica-a", func() bool { return f.engine.Next("ms").IsZero() })
	if f.engine.Next("hs").IsZero() {
		t.Error("hs, from the config, was unscheduled")
	}
}
