package engine

import (
	"context"
	"fmt"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// recordFeed puts the changes a run did not apply (held, refused,
// overflowed) in the license's audit trail and change feed; the store
// records the applied ones itself, in the transaction of each change. A
// run that saw the same source snapshot and held, refused or overflowed
// the same as the one before records nothing again, so a guard that holds
// on every run of a stuck source does not flood the feed.
func (e *Engine) recordFeed(ctx context.Context, d connectors.Deployment, run syncstate.Run, plan, pending *reconcile.Plan, overflow []license.Overflow) {
	out, ok := e.store.(license.Outbox)
	if !ok {
		return
	}
	if prev, ok := e.previousRun(ctx, d.Name, run.ID); ok && prev.SnapshotHash == run.SnapshotHash && prev.Guard == run.Guard &&
		prev.Counts.HeldRemovals == run.Counts.HeldRemovals && prev.Counts.HeldUpdates == run.Counts.HeldUpdates &&
		prev.Counts.Refused == run.Counts.Refused && prev.Counts.Overflow == run.Counts.Overflow {
		return
	}
	src, actor := d.Source(), string(d.Source())
	var evs []license.Event
	if pending != nil {
		for _, p := range pending.Removes {
			evs = append(evs, license.Event{Email: p.Email, Action: license.ActionChangeHeld, Source: src, Actor: actor,
				Detail: fmt.Sprintf("removal held for approval in plan %s (%s)", run.PlanID, run.Guard)})
		}
		for _, u := range pending.Updates {
			evs = append(evs, license.Event{Email: u.Email, Action: license.ActionChangeHeld, Source: src, Actor: actor,
				Detail: fmt.Sprintf("update held for approval in plan %s (%s): %s", run.PlanID, run.Guard, u.Detail())})
		}
	}
	for _, r := range plan.Refusals() {
		evs = append(evs, license.Event{Email: r.Email, Action: license.ActionChangeRefused, Source: src, Actor: actor,
			Detail: fmt.Sprintf("%s refused by %s", r.Op, r.Guard)})
	}
	for _, o := range overflow {
		evs = append(evs, license.Event{Email: o.Email, Action: license.ActionOverflow, Source: src, Actor: actor, Detail: o.Reason})
	}
	if len(evs) == 0 {
		return
	}
	for i := range evs {
		evs[i].Time = run.Started
	}
	if err := out.Record(context.WithoutCancel(ctx), d.License, evs); err != nil {
		e.log.Warn("record held, refused and overflowed changes in the change feed", "deployment", d.Name, "err", err)
	}
}

// previousRun is the deployment's run recorded before run id.
func (e *Engine) previousRun(ctx context.Context, deployment string, id uint64) (syncstate.Run, bool) {
	runs, err := e.state.Runs(ctx, deployment, 3)
	if err != nil {
		return syncstate.Run{}, false
	}
	for _, r := range runs {
		if r.ID < id && r.Result != syncstate.ResultSkipped {
			return r, true
		}
	}
	return syncstate.Run{}, false
}
