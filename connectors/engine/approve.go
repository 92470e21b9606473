package engine

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// Pending plan decisions, as stored in sync state.
const (
	StatusPending    = "pending"
	StatusApproved   = "approved"
	StatusRejected   = "rejected"
	StatusSuperseded = "superseded"
)

// DryRun reads the source and plans, with every guard evaluated, and
// changes nothing.
func (e *Engine) DryRun(ctx context.Context, name string) (*reconcile.Plan, error) {
	d, err := e.Deployment(ctx, name)
	if err != nil {
		return nil, err
	}
	return e.dryRun(ctx, d)
}

func (e *Engine) dryRun(ctx context.Context, d connectors.Deployment) (*reconcile.Plan, error) {
	conn, ok := e.conns[d.Connector]
	if !ok {
		return nil, fmt.Errorf("dry run %s: connector %q is not open", d.Name, d.Connector)
	}
	snap, err := reconcile.Collect(ctx, conn, d.Selection)
	if err != nil {
		return nil, fmt.Errorf("dry run %s: %w", d.Name, err)
	}
	popts, _, _ := e.calendarOptions(ctx, d, e.now())
	popts.Now = e.now()
	plan, err := reconcile.Build(ctx, e.store, d, snap, popts)
	if err != nil {
		return nil, fmt.Errorf("dry run %s: plan: %w", d.Name, err)
	}
	return plan, nil
}

// PendingPlan returns a held plan with its decoded removals.
func (e *Engine) PendingPlan(ctx context.Context, id string) (syncstate.Pending, *reconcile.Plan, error) {
	p, err := e.state.GetPending(ctx, id)
	if err != nil {
		return syncstate.Pending{}, nil, fmt.Errorf("plan %s: %w", id, err)
	}
	var plan reconcile.Plan
	if err := json.Unmarshal(p.Plan, &plan); err != nil {
		return p, nil, fmt.Errorf("plan %s: stored plan is unreadable: %w", id, err)
	}
	return p, &plan, nil
}

// ListPending lists held plans of a deployment ("" for all).
func (e *Engine) ListPending(ctx context.Context, deployment string, includeDecided bool) ([]syncstate.Pending, error) {
	return e.state.ListPending(ctx, deployment, includeDecided)
}

// ErrNotPending: the plan was already approved, rejected or superseded.
var ErrNotPending = errors.New("plan is not pending")

// Approve applies a held plan's removals if the deployment's claims in the
// store are still what the plan was made against. If they moved, the plan
// is marked superseded and the deployment is synced again, which re-plans
// (and may hold a fresh plan). The returned run says which happened.
func (e *Engine) Approve(ctx context.Context, id, by string) (syncstate.Run, error) {
	p, plan, err := e.PendingPlan(ctx, id)
	if err != nil {
		return syncstate.Run{}, err
	}
	if p.Status != StatusPending {
		return syncstate.Run{}, fmt.Errorf("approve plan %s: it is %s: %w", id, p.Status, ErrNotPending)
	}
	d, err := e.Deployment(ctx, p.Deployment)
	if err != nil {
		return syncstate.Run{}, fmt.Errorf("approve plan %s: %w", id, err)
	}
	if !e.acquire(d.Name) {
		return syncstate.Run{}, fmt.Errorf("approve plan %s: %w", id, ErrRunning)
	}
	defer e.release(d.Name)
	ctx, let, err := e.holdLease(ctx, d.Name)
	if err != nil {
		return syncstate.Run{}, fmt.Errorf("approve plan %s: %w", id, err)
	}
	defer let()

	run, err := e.run(ctx, d, TriggerApproval, &approval{plan: plan, by: by}, reconcile.Options{}, nil)
	if errors.Is(err, reconcile.ErrStale) {
		if derr := e.state.DecidePending(ctx, id, StatusSuperseded, by); derr != nil {
			return run, fmt.Errorf("approve plan %s: %w", id, derr)
		}
		e.log.Info("approved plan is stale; re-planning", "plan", id, "deployment", d.Name, "by", by)
		if d.Undeploying {
			run, err = e.run(ctx, d, TriggerApproval, &approval{retire: true, by: by}, reconcile.Options{}, nil)
			if err == nil && run.Result != syncstate.ResultHeld {
				err = e.forget(ctx, d)
			}
			return run, err
		}
		run, err = e.runChecked(ctx, d, TriggerApproval, nil)
		e.refreshGauges(context.WithoutCancel(ctx), d)
		return run, err
	}
	if err != nil {
		return run, err
	}
	if err := e.state.DecidePending(ctx, id, StatusApproved, by); err != nil {
		return run, fmt.Errorf("approve plan %s: %w", id, err)
	}
	if d.Undeploying {
		if err := e.forget(ctx, d); err != nil {
			return run, err
		}
	}
	e.log.Info("plan approved", "plan", id, "deployment", d.Name, "by", by, "removed", run.Counts.Removed)
	e.refreshGauges(context.WithoutCancel(ctx), d)
	return run, nil
}

// Reject drops a held plan. The removals it held stay undone; the next sync
// that finds them again holds them again.
func (e *Engine) Reject(ctx context.Context, id, by string) error {
	p, err := e.state.GetPending(ctx, id)
	if err != nil {
		return fmt.Errorf("reject plan %s: %w", id, err)
	}
	if p.Status != StatusPending {
		return fmt.Errorf("reject plan %s: it is %s: %w", id, p.Status, ErrNotPending)
	}
	if err := e.state.DecidePending(ctx, id, StatusRejected, by); err != nil {
		return fmt.Errorf("reject plan %s: %w", id, err)
	}
	e.log.Info("plan rejected", "plan", id, "deployment", p.Deployment, "by", by)
	if d, err := e.Deployment(ctx, p.Deployment); err == nil {
		e.refreshGauges(ctx, d)
	}
	return nil
}

// newPlanID is sortable by creation time and unguessable enough to not
// collide: 20261125t1530-k3f9a.
func newPlanID(t time.Time) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(t.UTC().Format("20060102t1504") + "-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:6])
}
