package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// Run syncs one deployment now and returns when the run has ended. A run
// already in progress for the same deployment is not waited for: this run
// is recorded as skipped and ErrRunning returned. A quarantined deployment
// or one inside a blackout window is recorded as skipped with the reason
// (a manual run ends a quarantine: it is the admin's "retry now"). A failed
// run is recorded and its error returned.
func (e *Engine) Run(ctx context.Context, name, trigger string) (syncstate.Run, error) {
	d, err := e.Deployment(ctx, name)
	if err != nil {
		return syncstate.Run{}, err
	}
	if d.Undeploying {
		return syncstate.Run{}, fmt.Errorf("sync %s: the deployment is being undeployed; approve or reject its pending removal", d.Name)
	}
	if !e.acquire(d.Name) {
		return e.recordSkipped(ctx, d, trigger, "a run of this deployment was still in progress"), fmt.Errorf("sync %s: %w", d.Name, ErrRunning)
	}
	defer e.release(d.Name)
	ctx, let, err := e.holdLease(ctx, d.Name)
	if err != nil {
		return syncstate.Run{}, err
	}
	defer let()
	return e.runChecked(ctx, d, trigger, nil)
}

// StartRun begins a run of one deployment and returns its record as soon
// as it exists (result running, with its ID), or the skipped record when
// the run did not start. The run goes on under the engine's own context,
// not ctx: a caller that goes away (an HTTP client disconnecting) cancels
// nothing. Stop waits for it, and a shutdown stops it at a batch boundary.
func (e *Engine) StartRun(ctx context.Context, name, trigger string) (syncstate.Run, error) {
	d, err := e.Deployment(ctx, name)
	if err != nil {
		return syncstate.Run{}, err
	}
	if d.Undeploying {
		return syncstate.Run{}, fmt.Errorf("sync %s: the deployment is being undeployed; approve or reject its pending removal", d.Name)
	}
	if !e.acquire(d.Name) {
		return e.recordSkipped(ctx, d, trigger, "a run of this deployment was still in progress"), fmt.Errorf("sync %s: %w", d.Name, ErrRunning)
	}
	first := make(chan syncstate.Run, 1)
	var once sync.Once
	report := func(r syncstate.Run) { once.Do(func() { first <- r }) }
	base, let, err := e.holdLease(e.baseContext(), d.Name)
	if err != nil {
		e.release(d.Name)
		return syncstate.Run{}, err
	}
	e.detached.Add(1)
	go func() {
		defer e.detached.Done()
		defer e.release(d.Name)
		defer let()
		run, _ := e.runChecked(base, d, trigger, report)
		report(run) // skipped before it began, or failed to begin
	}()
	select {
	case r := <-first:
		return r, nil
	case <-ctx.Done():
		return syncstate.Run{}, ctx.Err()
	}
}

// runChecked runs d unless its quarantine or a blackout window says not
// to, applying the calendar to the plan. began, when set, is called with
// the run's record once it exists.
func (e *Engine) runChecked(ctx context.Context, d connectors.Deployment, trigger string, began func(syncstate.Run)) (syncstate.Run, error) {
	e.recoverRuns(ctx, d.Name)
	now := e.now()
	if skip, reason := e.quarantineGate(ctx, d, trigger, now); skip {
		return e.recordSkipped(ctx, d, trigger, reason), nil
	}
	popts, skip, reason := e.calendarGate(ctx, d, now)
	if skip {
		return e.recordSkipped(ctx, d, trigger, reason), nil
	}
	return e.run(ctx, d, trigger, nil, popts, began)
}

// approval is a held plan an admin approved, or (retire) an undeploy's
// removal of every claim.
type approval struct {
	plan   *reconcile.Plan
	retire bool
	by     string
}

func (e *Engine) recordSkipped(ctx context.Context, d connectors.Deployment, trigger, reason string) syncstate.Run {
	now := e.now()
	run := syncstate.Run{Deployment: d.Name, Connector: d.Connector, Trigger: trigger, Started: now, Ended: now,
		Result: syncstate.ResultSkipped, Reason: reason, Mode: d.SyncMode()}
	e.metrics.RunFinished(d.Name, d.Connector, string(syncstate.ResultSkipped), 0, run.Counts)
	rec, err := e.state.RecordRun(context.WithoutCancel(ctx), run)
	if err != nil {
		e.log.Error("record skipped run", "deployment", d.Name, "err", err)
		return run
	}
	e.log.Warn("sync skipped", "deployment", d.Name, "trigger", trigger, "reason", reason)
	return rec
}

// run does one sync of d, holding its lock. approve, when set, is applied
// instead of reading the source (an approved pending plan). The run's
// record is written before any work (result running), updated as batches
// commit, and finished with counts of what was committed, whatever the
// outcome.
func (e *Engine) run(ctx context.Context, d connectors.Deployment, trigger string, approve *approval, popts reconcile.Options, began func(syncstate.Run)) (run syncstate.Run, err error) {
	start := e.now()
	run = syncstate.Run{Deployment: d.Name, Connector: d.Connector, Trigger: trigger, Started: start, Mode: d.SyncMode()}
	log := e.log.With("deployment", d.Name, "connector", d.Connector, "license", d.License, "trigger", trigger)
	// The record must outlive a cancelled run: that is when it matters most.
	rctx := context.WithoutCancel(ctx)
	rec, berr := e.state.BeginRun(rctx, run)
	if berr != nil {
		return run, fmt.Errorf("sync %s: record the run's start: %w", d.Name, berr)
	}
	run = rec
	if began != nil {
		began(run)
	}
	if e.runTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.runTimeout)
		defer cancel()
	}
	e.metrics.Attempt(d.Name, start)
	log = log.With("run", run.ID)
	log.Info("sync started")
	prog := &progress{e: e, rec: run}
	defer func() {
		if v := recover(); v != nil {
			log.Error("sync panicked", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("sync %s: panic: %v", d.Name, v)
		}
		run.Ended = e.now()
		run.Updated = run.Ended
		// A run stopped because its lease was lost says so, not just
		// "context canceled".
		if cause := context.Cause(ctx); err != nil && cause != nil && errors.Is(err, context.Canceled) && !errors.Is(err, cause) {
			err = fmt.Errorf("%w: %w", err, cause)
		}
		if err != nil {
			run.Result = syncstate.ResultFailed
			run.Error = err.Error()
		}
		if !run.Result.Finished() {
			run.Result = syncstate.ResultFailed // a bug: never leave a finished run as running
		}
		prog.mu.Lock()
		if rec, rerr := e.state.UpdateRun(rctx, run); rerr != nil {
			log.Error("record run", "err", rerr)
		} else {
			run = rec
		}
		prog.mu.Unlock()
		e.metrics.RunFinished(d.Name, d.Connector, string(run.Result), run.Ended.Sub(run.Started), run.Counts)
		if run.Result == syncstate.ResultSuccess || run.Result == syncstate.ResultHeld {
			e.metrics.Success(d.Name, run.Ended)
		}
		e.noteHealth(rctx, d, run, err)
		e.refreshGauges(rctx, d)
		e.updateLMS(rctx, d, run)
		attrs := []any{"result", run.Result, "duration", run.Ended.Sub(run.Started).Round(time.Millisecond),
			"added", run.Counts.Added, "updated", run.Counts.Updated, "removed", run.Counts.Removed,
			"overflow", run.Counts.Overflow, "held_removals", run.Counts.HeldRemovals, "held_updates", run.Counts.HeldUpdates}
		if run.Guard != "" {
			attrs = append(attrs, "guard", run.Guard)
		}
		if err != nil {
			log.Error("sync failed", append(attrs, "err", err)...)
		} else {
			log.Info("sync finished", attrs...)
		}
	}()

	if approve != nil && approve.retire {
		return e.retire(ctx, d, run, approve.by, prog)
	}
	if approve != nil {
		opts := e.applyOptions(d, start, prog)
		opts.Actor = fmt.Sprintf("%s, approved by %s", d.Source(), approve.by)
		prog.start(run, 0)
		res, err := reconcile.Approve(ctx, e.store, approve.plan, opts)
		e.count(&run, d, res, 0)
		if err != nil {
			return run, fmt.Errorf("sync %s: apply approved plan: %w", d.Name, err)
		}
		run.Result = syncstate.ResultSuccess
		return run, nil
	}

	conn, ok := e.conns[d.Connector]
	if !ok {
		return run, fmt.Errorf("sync %s: connector %q is not open", d.Name, d.Connector)
	}
	snap, err := reconcile.CollectWith(ctx, conn, d.Selection, e.spill)
	if err != nil {
		return run, fmt.Errorf("sync %s: %w", d.Name, err)
	}
	// The plan reads its adds back from a spilled snapshot until Apply is
	// done with them.
	defer func() {
		if err := snap.Close(); err != nil {
			log.Warn("close the snapshot", "err", err)
		}
	}()
	if snap.Spilled() {
		log.Info("snapshot spilled to disk", "people", snap.Len(), "bytes", snap.SpilledBytes(), "dir", e.spill.SpillDir)
	}
	run.SnapshotHash = snap.Hash
	run.Counts.Desired = snap.Len()
	run.Counts.Skipped = snap.SkippedCount
	e.metrics.SetDesired(d.Name, snap.Len())
	e.metrics.SetSkippedPeople(d.Name, snap.SkippedCount)
	for _, s := range firstN(snap.Skipped, 20) {
		log.Warn("person skipped", "external_id", s.ExternalID, "email", s.Email, "reason", s.Reason)
	}

	popts.Now = start
	plan, err := reconcile.Build(ctx, e.store, d, snap, popts)
	if err != nil {
		return run, fmt.Errorf("sync %s: plan: %w", d.Name, err)
	}
	run, err = e.applyPlan(ctx, d, run, plan, string(d.Source()), prog)
	if err == nil {
		e.windowDone(rctx, d, popts)
	}
	return run, err
}

// progress keeps a running run's counts in step with the batches the
// store committed, and writes them to its record now and then, so that
// following a run shows what is really applied.
type progress struct {
	e     *Engine
	mu    sync.Mutex
	rec   syncstate.Run // the running record as last written
	base  syncstate.Counts
	last  time.Time
	extra int // overflow predicted by the planner
}

// start sets what the counts are before the first batch.
func (p *progress) start(run syncstate.Run, extra int) {
	p.mu.Lock()
	p.rec, p.base, p.extra = run, run.Counts, extra
	p.mu.Unlock()
}

func (p *progress) batch(r license.ApplyResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.base
	addResult(&c, r)
	c.Overflow = p.extra + len(r.Overflow)
	p.rec.Counts = c
	now := p.e.now()
	if now.Sub(p.last) < p.e.progressEvery {
		return
	}
	p.last = now
	p.rec.Updated = now
	if _, err := p.e.state.UpdateRun(context.Background(), p.rec); err != nil {
		p.e.log.Warn("record run progress", "deployment", p.rec.Deployment, "err", err)
	}
}

// applyPlan applies a plan, holding its removals (or updates) for approval
// when a guard says so.
func (e *Engine) applyPlan(ctx context.Context, d connectors.Deployment, run syncstate.Run, plan *reconcile.Plan, actor string, prog *progress) (syncstate.Run, error) {
	start := run.Started
	log := e.log.With("deployment", d.Name)
	for _, g := range plan.Guards {
		log.Warn("guard", "guard", g.Name, "reason", g.Reason)
	}
	run.Mode = plan.Mode
	run.Counts.Refused = plan.Counts.Refused
	opts := e.applyOptions(d, start, prog)
	opts.Actor = actor
	prog.start(run, len(plan.Overflow))
	res, err := reconcile.Apply(ctx, e.store, plan, opts)
	e.count(&run, d, res, len(plan.Overflow))
	if err != nil {
		return run, fmt.Errorf("sync %s: apply: %w", d.Name, err)
	}
	run.Result = syncstate.ResultSuccess
	if plan.Stopped {
		run.Result = syncstate.ResultGuarded
		run.Guard, run.Reason = guardOf(plan, reconcile.GuardEmptySource)
	}
	pending := plan.Pending()
	defer func() {
		e.recordFeed(ctx, d, run, plan, pending, append(slices.Clone(plan.Overflow), res.Overflow...))
	}()
	if pending != nil {
		raw, err := json.Marshal(pending)
		if err != nil {
			return run, fmt.Errorf("sync %s: encode held plan: %w", d.Name, err)
		}
		guard, reason := guardOf(pending, reconcile.GuardDeletionLimit, reconcile.GuardCalendar, reconcile.GuardUpdateStorm)
		p, err := e.state.PutPending(context.WithoutCancel(ctx), syncstate.Pending{
			ID:         newPlanID(start),
			Deployment: d.Name,
			Created:    start,
			Removals:   len(pending.Removes),
			Summary:    heldSummary(pending),
			Plan:       raw,
		})
		if err != nil {
			return run, fmt.Errorf("sync %s: hold plan: %w", d.Name, err)
		}
		run.Result = syncstate.ResultHeld
		run.PlanID = p.ID
		run.Guard, run.Reason = guard, reason
		run.Counts.HeldRemovals = len(pending.Removes)
		run.Counts.HeldUpdates = len(pending.Updates)
		log.Warn("changes held for approval", "plan", p.ID, "guard", guard, "removals", len(pending.Removes), "updates", len(pending.Updates))
	}
	return run, nil
}

// guardOf returns the first of the named guards the plan carries.
func guardOf(p *reconcile.Plan, names ...string) (name, reason string) {
	for _, n := range names {
		for _, g := range p.Guards {
			if g.Name == n {
				return g.Name, g.Reason
			}
		}
	}
	return "", ""
}

// retire plans and applies the removal of every claim of d (undeploy).
func (e *Engine) retire(ctx context.Context, d connectors.Deployment, run syncstate.Run, by string, prog *progress) (syncstate.Run, error) {
	plan, err := reconcile.Build(ctx, e.store, d, &reconcile.Snapshot{}, reconcile.Options{Now: run.Started, Retire: true})
	if err != nil {
		return run, fmt.Errorf("undeploy %s: plan: %w", d.Name, err)
	}
	return e.applyPlan(ctx, d, run, plan, fmt.Sprintf("%s, undeployed by %s", d.Source(), by), prog)
}

func (e *Engine) applyOptions(d connectors.Deployment, now time.Time, prog *progress) reconcile.ApplyOptions {
	o := reconcile.ApplyOptions{Actor: string(d.Source()), BatchSize: e.batch, Now: now}
	if prog != nil {
		o.Progress = prog.batch
	}
	return o
}

// count folds what the store committed into the run, also when Apply
// stopped part way: committed batches are changes made. predicted is the
// overflow the planner already kept out of the adds; the store reports
// any more.
func (e *Engine) count(run *syncstate.Run, d connectors.Deployment, res reconcile.Result, predicted int) {
	// A claim added to someone another source already put on the license
	// is still an add for this deployment.
	addResult(&run.Counts, res.ApplyResult)
	run.Counts.Overflow = predicted + len(res.Overflow)
	e.metrics.SetOverflow(d.Name, run.Counts.Overflow)
}

// addResult adds what the store committed to c. Marking a claim leaving or
// restoring it is counted as that, not as an update.
func addResult(c *syncstate.Counts, r license.ApplyResult) {
	c.Added += r.MembersAdded + r.ClaimsAdded
	c.Updated += r.ClaimsUpdated - r.ClaimsLeaving - r.ClaimsRestored
	c.Removed += r.ClaimsRemoved
	c.Leaving += r.ClaimsLeaving
	c.Restored += r.ClaimsRestored
}

func heldSummary(p *reconcile.Plan) string {
	if _, reason := guardOf(p, reconcile.GuardDeletionLimit, reconcile.GuardCalendar, reconcile.GuardUpdateStorm); reason != "" {
		return reason
	}
	return fmt.Sprintf("%d removals and %d updates held for approval", len(p.Removes), len(p.Updates))
}

// Recover records every run a dead process left marked running as
// interrupted, with what the store shows it applied. Start does it too;
// a command that opens the files without starting the schedule calls it.
func (e *Engine) Recover(ctx context.Context) { e.recoverRuns(ctx, "") }

// recoverRuns turns the deployment's runs left marked running by a process
// that died ("" = every deployment) into interrupted runs, with the counts
// the store's audit trail shows that run applied. It is called with the
// deployment's lock held (or at Start, before any run), so a running
// record found is never one of this process.
func (e *Engine) recoverRuns(ctx context.Context, deployment string) {
	rctx := context.WithoutCancel(ctx)
	var runs []syncstate.Run
	var err error
	if deployment == "" {
		runs, err = e.state.Unfinished(rctx)
	} else {
		// Before each run only its own newest runs are looked at: every
		// start of this process already recorded older ones (Recover).
		runs, err = e.state.Runs(rctx, deployment, recentRuns)
	}
	if err != nil {
		e.log.Error("find unfinished runs", "err", err)
		return
	}
	for _, r := range runs {
		if r.Result != syncstate.ResultRunning || (deployment == "" && e.isRunning(r.Deployment)) {
			continue
		}
		e.interrupt(rctx, r)
	}
}

// recentRuns is how many of a deployment's newest runs are checked for one
// left running before each run.
const recentRuns = 20

func (e *Engine) interrupt(ctx context.Context, r syncstate.Run) {
	d, derr := e.Deployment(ctx, r.Deployment)
	counts, cerr := license.Counts{}, error(nil)
	if derr == nil {
		counts, cerr = e.appliedSince(ctx, d, r.Started)
	}
	r.Result = syncstate.ResultInterrupted
	r.Ended = e.now()
	if r.Ended.Before(r.Started) {
		r.Ended = r.Started
	}
	r.Updated = r.Ended
	r.Counts.Added, r.Counts.Updated, r.Counts.Removed, r.Counts.Overflow = counts.Added, counts.Updated, counts.Removed, counts.Overflow
	r.Counts.Leaving, r.Counts.Restored = counts.Leaving, counts.Restored
	r.Reason = "found unfinished at start-up: the process running it stopped (killed or crashed); the counts are what the store shows applied"
	switch {
	case derr != nil:
		r.Reason = "found unfinished at start-up; the deployment no longer exists, so what it applied was not counted"
	case cerr != nil:
		r.Reason = "found unfinished at start-up; reading what it applied failed: " + cerr.Error()
	}
	if _, err := e.state.UpdateRun(ctx, r); err != nil {
		e.log.Error("record interrupted run", "deployment", r.Deployment, "run", r.ID, "err", err)
		return
	}
	e.metrics.RunFinished(r.Deployment, r.Connector, string(syncstate.ResultInterrupted), r.Ended.Sub(r.Started), r.Counts)
	e.log.Warn("sync was interrupted", "deployment", r.Deployment, "run", r.ID, "started", r.Started,
		"added", r.Counts.Added, "updated", r.Counts.Updated, "removed", r.Counts.Removed)
}

// appliedSince counts the changes the store's audit trail shows d's source
// made from t on: a run stamps every claim and event it writes with its
// start time.
func (e *Engine) appliedSince(ctx context.Context, d connectors.Deployment, t time.Time) (license.Counts, error) {
	evs, err := e.store.Events(ctx, d.License, license.EventQuery{})
	if err != nil {
		return license.Counts{}, err
	}
	src := d.Source()
	return license.CountEvents(evs, func(ev *license.Event) bool {
		return ev.Source == src && !ev.Time.Before(t)
	}), nil
}

// isRunning reports whether this engine holds the deployment's run lock.
func (e *Engine) isRunning(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running[name]
}

// baseContext is what detached runs run under: the context Start was
// given (cancelled at shutdown), else a background one.
func (e *Engine) baseContext() context.Context {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.base != nil {
		return e.base
	}
	return context.Background()
}

// errCredentials reports whether err says the credentials are wrong, which
// quarantines a deployment at once.
func errCredentials(err error) bool {
	if errors.Is(err, connectors.ErrCredentials) {
		return true
	}
	var c interface{ Credentials() bool }
	return errors.As(err, &c) && c.Credentials()
}

func firstN[T any](s []T, n int) []T { return s[:min(n, len(s))] }
