package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// Run syncs one deployment now. A run already in progress for the same
// deployment is not waited for: this run is recorded as skipped and
// ErrRunning returned. A failed run is recorded and its error returned.
func (e *Engine) Run(ctx context.Context, name, trigger string) (syncstate.Run, error) {
	d, err := e.Deployment(ctx, name)
	if err != nil {
		return syncstate.Run{}, err
	}
	if d.Undeploying {
		return syncstate.Run{}, fmt.Errorf("sync %s: the deployment is being undeployed; approve or reject its pending removal", d.Name)
	}
	if !e.acquire(d.Name) {
		return e.recordSkipped(ctx, d, trigger), fmt.Errorf("sync %s: %w", d.Name, ErrRunning)
	}
	defer e.release(d.Name)
	return e.run(ctx, d, trigger, nil)
}

// approval is a held plan an admin approved, or (retire) an undeploy's
// removal of every claim.
type approval struct {
	plan   *reconcile.Plan
	retire bool
	by     string
}

func (e *Engine) recordSkipped(ctx context.Context, d connectors.Deployment, trigger string) syncstate.Run {
	now := e.now()
	run := syncstate.Run{Deployment: d.Name, Connector: d.Connector, Trigger: trigger, Started: now, Ended: now,
		Result: syncstate.ResultSkipped, Error: "a run of this deployment was still in progress"}
	e.metrics.RunFinished(d.Name, d.Connector, string(syncstate.ResultSkipped), 0, run.Counts)
	rec, err := e.state.RecordRun(context.WithoutCancel(ctx), run)
	if err != nil {
		e.log.Error("record skipped run", "deployment", d.Name, "err", err)
		return run
	}
	e.log.Warn("sync skipped: previous run still in progress", "deployment", d.Name, "trigger", trigger)
	return rec
}

// run does one sync of d, holding its lock. approve, when set, is applied
// instead of reading the source (an approved pending plan).
func (e *Engine) run(ctx context.Context, d connectors.Deployment, trigger string, approve *approval) (run syncstate.Run, err error) {
	start := e.now()
	run = syncstate.Run{Deployment: d.Name, Connector: d.Connector, Trigger: trigger, Started: start}
	e.metrics.Attempt(d.Name, start)
	log := e.log.With("deployment", d.Name, "connector", d.Connector, "license", d.License, "trigger", trigger)
	log.Info("sync started")
	defer func() {
		if v := recover(); v != nil {
			log.Error("sync panicked", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("sync %s: panic: %v", d.Name, v)
		}
		run.Ended = e.now()
		if err != nil {
			run.Result = syncstate.ResultFailed
			run.Error = err.Error()
		}
		// The record must outlive a cancelled run: that is when it matters most.
		rctx := context.WithoutCancel(ctx)
		if rec, rerr := e.state.RecordRun(rctx, run); rerr != nil {
			log.Error("record run", "err", rerr)
		} else {
			run = rec
		}
		e.metrics.RunFinished(d.Name, d.Connector, string(run.Result), run.Ended.Sub(run.Started), run.Counts)
		if run.Result != syncstate.ResultFailed {
			e.metrics.Success(d.Name, run.Ended)
		}
		e.refreshGauges(rctx, d)
		e.updateLMS(rctx, d, run)
		attrs := []any{"result", run.Result, "duration", run.Ended.Sub(run.Started).Round(time.Millisecond),
			"added", run.Counts.Added, "updated", run.Counts.Updated, "removed", run.Counts.Removed,
			"overflow", run.Counts.Overflow, "held_removals", run.Counts.HeldRemovals}
		if err != nil {
			log.Error("sync failed", append(attrs, "err", err)...)
		} else {
			log.Info("sync finished", attrs...)
		}
	}()

	if approve != nil && approve.retire {
		return e.retire(ctx, d, run, approve.by)
	}
	if approve != nil {
		opts := e.applyOptions(d, start)
		opts.Actor = fmt.Sprintf("%s, approved by %s", d.Source(), approve.by)
		res, err := reconcile.Approve(ctx, e.store, approve.plan, opts)
		if err != nil {
			return run, fmt.Errorf("sync %s: apply approved plan: %w", d.Name, err)
		}
		e.count(&run, d, res, 0)
		run.Result = syncstate.ResultSuccess
		return run, nil
	}

	conn, ok := e.conns[d.Connector]
	if !ok {
		return run, fmt.Errorf("sync %s: connector %q is not open", d.Name, d.Connector)
	}
	snap, err := reconcile.Collect(ctx, conn, d.Selection)
	if err != nil {
		return run, fmt.Errorf("sync %s: %w", d.Name, err)
	}
	run.SnapshotHash = snap.Hash
	run.Counts.Desired = len(snap.People)
	run.Counts.Skipped = snap.SkippedCount
	e.metrics.SetDesired(d.Name, len(snap.People))
	e.metrics.SetSkippedPeople(d.Name, snap.SkippedCount)
	for _, s := range firstN(snap.Skipped, 20) {
		log.Warn("person skipped", "external_id", s.ExternalID, "email", s.Email, "reason", s.Reason)
	}

	plan, err := reconcile.Build(ctx, e.store, d, snap, reconcile.Options{Now: start})
	if err != nil {
		return run, fmt.Errorf("sync %s: plan: %w", d.Name, err)
	}
	return e.applyPlan(ctx, d, run, plan, string(d.Source()))
}

// applyPlan applies a plan, holding its removals for approval when the
// deletion guard tripped.
func (e *Engine) applyPlan(ctx context.Context, d connectors.Deployment, run syncstate.Run, plan *reconcile.Plan, actor string) (syncstate.Run, error) {
	start := run.Started
	log := e.log.With("deployment", d.Name)
	for _, g := range plan.Guards {
		log.Warn("guard", "guard", g.Name, "reason", g.Reason)
	}
	opts := e.applyOptions(d, start)
	opts.Actor = actor
	res, err := reconcile.Apply(ctx, e.store, plan, opts)
	if err != nil {
		return run, fmt.Errorf("sync %s: apply: %w", d.Name, err)
	}
	e.count(&run, d, res, len(plan.Overflow))
	run.Result = syncstate.ResultSuccess
	if plan.Held {
		pending := plan.Pending()
		raw, err := json.Marshal(pending)
		if err != nil {
			return run, fmt.Errorf("sync %s: encode held plan: %w", d.Name, err)
		}
		p, err := e.state.PutPending(context.WithoutCancel(ctx), syncstate.Pending{
			ID:         newPlanID(start),
			Deployment: d.Name,
			Created:    start,
			Removals:   len(pending.Removes),
			Summary:    heldSummary(plan),
			Plan:       raw,
		})
		if err != nil {
			return run, fmt.Errorf("sync %s: hold plan: %w", d.Name, err)
		}
		run.Result = syncstate.ResultHeld
		run.PlanID = p.ID
		run.Counts.HeldRemovals = len(pending.Removes)
		log.Warn("removals held for approval", "plan", p.ID, "removals", len(pending.Removes))
	}
	return run, nil
}

// retire plans and applies the removal of every claim of d (undeploy).
func (e *Engine) retire(ctx context.Context, d connectors.Deployment, run syncstate.Run, by string) (syncstate.Run, error) {
	plan, err := reconcile.Build(ctx, e.store, d, &reconcile.Snapshot{}, reconcile.Options{Now: run.Started, Retire: true})
	if err != nil {
		return run, fmt.Errorf("undeploy %s: plan: %w", d.Name, err)
	}
	return e.applyPlan(ctx, d, run, plan, fmt.Sprintf("%s, undeployed by %s", d.Source(), by))
}

func (e *Engine) applyOptions(d connectors.Deployment, now time.Time) reconcile.ApplyOptions {
	return reconcile.ApplyOptions{Actor: string(d.Source()), BatchSize: e.batch, Now: now}
}

// count folds what the store did into the run. predicted is the overflow
// the planner already kept out of the adds; the store reports any more.
func (e *Engine) count(run *syncstate.Run, d connectors.Deployment, res reconcile.Result, predicted int) {
	// A claim added to someone another source already put on the license
	// is still an add for this deployment.
	run.Counts.Added += res.MembersAdded + res.ClaimsAdded
	run.Counts.Updated += res.ClaimsUpdated
	run.Counts.Removed += res.ClaimsRemoved
	run.Counts.Overflow = predicted + len(res.Overflow)
	e.metrics.SetOverflow(d.Name, run.Counts.Overflow)
}

func heldSummary(p *reconcile.Plan) string {
	for _, g := range p.Guards {
		if g.Name == reconcile.GuardDeletionLimit {
			return g.Reason
		}
	}
	return fmt.Sprintf("%d removals held for approval", len(p.Removes))
}

func firstN[T any](s []T, n int) []T { return s[:min(n, len(s))] }
