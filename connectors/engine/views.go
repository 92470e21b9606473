package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// Syncs returns the engine as the admin API and the dashboard see it.
func (e *Engine) Syncs() license.Syncs { return syncsView{e} }

// syncsView adapts the engine to license.Syncs.
type syncsView struct{ e *Engine }

var _ license.Syncs = syncsView{}

func (v syncsView) Deployments(ctx context.Context, licenseID string) ([]license.DeploymentView, error) {
	deps, err := v.e.Deployments(ctx)
	if err != nil {
		return nil, err
	}
	out := []license.DeploymentView{}
	for _, d := range deps {
		if licenseID != "" && d.License != licenseID {
			continue
		}
		dv := v.deployment(d)
		if last, ok, err := v.e.state.LastRun(ctx, d.Name); err != nil {
			return nil, err
		} else if ok {
			rv := runView(last)
			dv.LastRun = &rv
		}
		if h, err := v.e.state.Health(ctx, d.Name); err != nil {
			return nil, err
		} else if h.Failures > 0 || h.Quarantined {
			dv.Health = &license.HealthView{Failures: h.Failures, LastError: h.LastError, Quarantined: h.Quarantined, Since: h.Since, Until: h.Until, Reason: h.Reason}
		}
		if w, ok := connectors.ActiveWindow(v.e.calendar, &d, v.e.now()); ok {
			dv.Window = &license.WindowView{Name: w.Name, Kind: w.Kind, Start: w.Start, End: w.End}
		}
		out = append(out, dv)
	}
	return out, nil
}

func (v syncsView) deployment(d connectors.Deployment) license.DeploymentView {
	return license.DeploymentView{
		Name: d.Name, Connector: d.Connector, Type: v.e.types[d.Connector], License: d.License, Source: d.Source(),
		Units: slices.Clone(d.Selection.Units), Roles: d.Selection.Roles, Schedule: d.Schedule, RunTime: d.RunTime,
		CreatedBy: d.CreatedBy, Options: d.Selection.Options, NextRun: v.e.Next(d.Name), Mode: d.SyncMode(),
	}
}

func (v syncsView) Runs(ctx context.Context, deployment string, limit int) ([]license.RunView, error) {
	if _, err := v.e.Deployment(ctx, deployment); err != nil {
		return nil, err
	}
	runs, err := v.e.state.Runs(ctx, deployment, limit)
	if err != nil {
		return nil, err
	}
	out := make([]license.RunView, len(runs))
	for i, r := range runs {
		out[i] = runView(r)
	}
	return out, nil
}

func (v syncsView) RunNow(ctx context.Context, deployment, actor string) (license.RunView, error) {
	v.e.log.Info("run requested", "deployment", deployment, "by", actor)
	run, err := v.e.StartRun(ctx, deployment, TriggerManual)
	return runView(run), err
}

func (v syncsView) Run(ctx context.Context, deployment string, id uint64) (license.RunView, error) {
	if _, err := v.e.Deployment(ctx, deployment); err != nil {
		return license.RunView{}, err
	}
	r, err := v.e.state.Run(ctx, deployment, id)
	if errors.Is(err, syncstate.ErrNotFound) {
		return license.RunView{}, fmt.Errorf("run %d of deployment %s: %w", id, deployment, license.ErrNotFound)
	}
	return runView(r), err
}

func (v syncsView) DryRun(ctx context.Context, deployment string) (license.PlanView, error) {
	p, err := v.e.DryRun(ctx, deployment)
	if err != nil {
		return license.PlanView{}, err
	}
	return planView(p), nil
}

func (v syncsView) Pending(ctx context.Context, deployment string) ([]license.PendingView, error) {
	ps, err := v.e.ListPending(ctx, deployment, false)
	if err != nil {
		return nil, err
	}
	out := make([]license.PendingView, 0, len(ps))
	for _, p := range ps {
		out = append(out, v.pending(ctx, p))
	}
	return out, nil
}

func (v syncsView) pending(ctx context.Context, p syncstate.Pending) license.PendingView {
	pv := license.PendingView{ID: p.ID, Deployment: p.Deployment, Created: p.Created, Removals: p.Removals,
		Summary: p.Summary, Status: p.Status, DecidedBy: p.DecidedBy}
	if d, err := v.e.Deployment(ctx, p.Deployment); err == nil {
		pv.License = d.License
	}
	return pv
}

func (v syncsView) Plan(ctx context.Context, id string) (license.PendingView, license.PlanView, error) {
	p, plan, err := v.e.PendingPlan(ctx, id)
	if err != nil {
		return license.PendingView{}, license.PlanView{}, err
	}
	pv := v.pending(ctx, p)
	if pv.License == "" {
		pv.License = plan.License
	}
	return pv, planView(plan), nil
}

func (v syncsView) Approve(ctx context.Context, id, actor string) (license.RunView, error) {
	run, err := v.e.Approve(ctx, id, actor)
	return runView(run), err
}

func (v syncsView) Reject(ctx context.Context, id, actor string) error {
	return v.e.Reject(ctx, id, actor)
}

func (v syncsView) OrgUnits(ctx context.Context, connector string) ([]license.OrgUnitView, error) {
	conn, ok := v.e.conns[connector]
	if !ok {
		return nil, fmt.Errorf("connector %q is not configured", connector)
	}
	dir, ok := conn.(connectors.OrgUnitDirectory)
	if !ok {
		return nil, fmt.Errorf("connector %q: %w", connector, ErrNotDirectory)
	}
	ous, err := dir.OrgUnits(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]license.OrgUnitView, len(ous))
	for i, o := range ous {
		out[i] = license.OrgUnitView{Path: o.Path, Name: o.Name, Parent: o.Parent}
	}
	return out, nil
}

// DeployOU: the caller has checked that Actor administers the license (or
// is an operator), so only the directory side is checked here.
func (v syncsView) DeployOU(ctx context.Context, req license.DeployOURequest) (license.DeploymentView, license.PlanView, error) {
	r := DeployOURequest{License: req.License, Connector: req.Connector, OrgUnits: req.OrgUnits, By: req.Actor, Operator: true}
	if req.DryRun {
		d, plan, err := v.e.PlanDeployOU(ctx, r)
		if err != nil {
			return license.DeploymentView{}, license.PlanView{}, err
		}
		return v.deployment(d), planView(plan), nil
	}
	d, run, err := v.e.DeployOU(ctx, r)
	if err != nil {
		return license.DeploymentView{}, license.PlanView{}, err
	}
	dv := v.deployment(d)
	rv := runView(run)
	dv.LastRun = &rv
	return dv, license.PlanView{Deployment: d.Name, License: d.License}, nil
}

func (v syncsView) Undeploy(ctx context.Context, deployment, actor string) (license.RunView, error) {
	run, err := v.e.Undeploy(ctx, deployment, actor)
	return runView(run), err
}

// DeploymentLicense returns the license a deployment feeds, for callers
// that must check rights before acting on a deployment.
func (e *Engine) DeploymentLicense(ctx context.Context, name string) (string, error) {
	d, err := e.Deployment(ctx, name)
	return d.License, err
}

func runView(r syncstate.Run) license.RunView {
	return license.RunView{ID: r.ID, Deployment: r.Deployment, Trigger: r.Trigger, Started: r.Started, Ended: r.Ended,
		Result: string(r.Result), Desired: r.Counts.Desired, Added: r.Counts.Added, Updated: r.Counts.Updated,
		Removed: r.Counts.Removed, Overflow: r.Counts.Overflow, Skipped: r.Counts.Skipped,
		HeldRemovals: r.Counts.HeldRemovals, HeldUpdates: r.Counts.HeldUpdates, Refused: r.Counts.Refused,
		PlanID: r.PlanID, Error: r.Error, Guard: r.Guard, Reason: r.Reason, Mode: r.Mode, Progress: r.Updated}
}

func planView(p *reconcile.Plan) license.PlanView {
	pv := license.PlanView{Deployment: p.Deployment, License: p.License, Held: p.Held, Overflow: p.Overflow,
		Guards: []string{}, Adds: []license.PlanChange{}, Updates: []license.PlanChange{}, Removes: []license.PlanChange{}}
	for _, g := range p.Guards {
		pv.Guards = append(pv.Guards, g.Reason)
	}
	for _, a := range p.Adds {
		pv.Adds = append(pv.Adds, planChange(a, ""))
	}
	for i := range p.Updates {
		pv.Updates = append(pv.Updates, planChange(p.Updates[i].Person, p.Updates[i].Detail()))
	}
	for _, r := range p.Removes {
		pv.Removes = append(pv.Removes, planChange(r, ""))
	}
	return pv
}

func planChange(p reconcile.Person, detail string) license.PlanChange {
	return license.PlanChange{Email: p.Email, Name: p.Name, Role: p.Role, OrgUnit: p.OrgUnit, Detail: detail}
}
