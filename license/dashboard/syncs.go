package dashboard

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rollcall-sync/rollcall/license"
)

// removalsShown is how many of a held plan's removals the Syncs page lists
// inline; the plan's own page lists them all.
const removalsShown = 25

type deploymentRow struct {
	license.DeploymentView
	LicenseName string
	Runs        []license.RunView
	Manage      bool // the viewer may run it now
}

type pendingRow struct {
	license.PendingView
	LicenseName string
	Plan        license.PlanView
	Shown       []license.PlanChange
	More        int
	Manage      bool
}

type webhookRow struct {
	license.Webhook
	LicenseName string
	DeadLetters []license.DeadLetter
}

type syncsPage struct {
	Deployments []deploymentRow
	Pending     []pendingRow
	Webhooks    []webhookRow
	Error       string
	// Live: a run is going on; the page refreshes itself to follow it.
	Live bool
}

func (s *server) syncsPage(w http.ResponseWriter, r *http.Request, v viewer) {
	if s.syncs == nil {
		s.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	ls, err := s.visibleLicenses(r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, l := range ls {
		names[l.ID] = l.Name
	}
	p := syncsPage{}
	deps, err := s.syncs.Deployments(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, d := range deps {
		name, ok := names[d.License]
		if !ok {
			continue
		}
		runs, err := s.syncs.Runs(ctx, d.Name, 5)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Deployments = append(p.Deployments, deploymentRow{DeploymentView: d, LicenseName: name, Runs: runs, Manage: s.acc.canManage(ctx, v, d.License)})
		if d.LastRun != nil && d.LastRun.Result == "running" {
			p.Live = true
		}
	}
	pending, err := s.syncs.Pending(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, pv := range pending {
		name, ok := names[pv.License]
		if !ok {
			continue
		}
		row := pendingRow{PendingView: pv, LicenseName: name, Manage: s.acc.canManage(ctx, v, pv.License)}
		if _, plan, err := s.syncs.Plan(ctx, pv.ID); err == nil {
			row.Plan = plan
			row.Shown = plan.Removes[:min(len(plan.Removes), removalsShown)]
			row.More = len(plan.Removes) - len(row.Shown)
		} else {
			s.log.Warn("read held plan", "plan", pv.ID, "err", err)
		}
		p.Pending = append(p.Pending, row)
	}
	if out, ok := s.store.(license.Outbox); ok {
		hooks, err := out.Webhooks(ctx, "")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, h := range hooks {
			name, ok := names[h.License]
			if !ok || !s.acc.canManage(ctx, v, h.License) {
				continue
			}
			dl, err := out.DeadLetters(ctx, h.ID)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			p.Webhooks = append(p.Webhooks, webhookRow{Webhook: h, LicenseName: name, DeadLetters: dl})
		}
	}
	s.render(w, r, http.StatusOK, "syncs", view{Title: "Syncs", Section: "syncs", Viewer: v, Page: p})
}

type pendingPage struct {
	Pending     license.PendingView
	Plan        license.PlanView
	LicenseName string
	Manage      bool
}

// pendingPlan finds a held plan the viewer may see; a plan of a license
// they may not see is a 404.
func (s *server) pendingPlan(w http.ResponseWriter, r *http.Request, v viewer) (license.PendingView, license.PlanView, license.License, bool) {
	if s.syncs == nil {
		s.notFound(w, r, v)
		return license.PendingView{}, license.PlanView{}, license.License{}, false
	}
	ctx := r.Context()
	pv, plan, err := s.syncs.Plan(ctx, r.PathValue("id"))
	if errors.Is(err, license.ErrNotFound) {
		s.notFound(w, r, v)
		return pv, plan, license.License{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return pv, plan, license.License{}, false
	}
	g, err := s.acc.grant(ctx, v, pv.License)
	if err != nil {
		s.notFound(w, r, v)
		return pv, plan, license.License{}, false
	}
	return pv, plan, g.License, true
}

func (s *server) pendingPage(w http.ResponseWriter, r *http.Request, v viewer) {
	pv, plan, l, ok := s.pendingPlan(w, r, v)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "pending", view{Title: "Held plan " + pv.ID, Section: "syncs", Viewer: v, Page: pendingPage{
		Pending: pv, Plan: plan, LicenseName: l.Name, Manage: s.acc.canManage(r.Context(), v, l.ID),
	}})
}

func (s *server) decide(w http.ResponseWriter, r *http.Request, v viewer, approve bool) {
	pv, _, l, ok := s.pendingPlan(w, r, v)
	if !ok {
		return
	}
	if !s.acc.canManage(r.Context(), v, l.ID) {
		s.forbidden(w, r, v, "Only the admins of "+l.Name+" decide on its held plans.")
		return
	}
	if approve {
		run, err := s.syncs.Approve(r.Context(), pv.ID, v.Email)
		if err != nil {
			s.log.Info("approve held plan failed", "plan", pv.ID, "actor", v.Email, "err", err)
			redirect(w, r, "/syncs", "error", "Plan "+pv.ID+" was not applied: "+err.Error())
			return
		}
		s.log.Info("held plan approved", "plan", pv.ID, "actor", v.Email)
		redirect(w, r, "/syncs", "success", fmt.Sprintf("Plan %s approved: %d removed, %d added (run %d, %s).", pv.ID, run.Removed, run.Added, run.ID, run.Result))
		return
	}
	if err := s.syncs.Reject(r.Context(), pv.ID, v.Email); err != nil {
		s.log.Info("reject held plan failed", "plan", pv.ID, "actor", v.Email, "err", err)
		redirect(w, r, "/syncs", "error", "Plan "+pv.ID+" was not rejected: "+err.Error())
		return
	}
	s.log.Info("held plan rejected", "plan", pv.ID, "actor", v.Email)
	redirect(w, r, "/syncs", "success", "Plan "+pv.ID+" rejected: nobody was removed.")
}

func (s *server) approvePlan(w http.ResponseWriter, r *http.Request, v viewer) {
	s.decide(w, r, v, true)
}
func (s *server) rejectPlan(w http.ResponseWriter, r *http.Request, v viewer) {
	s.decide(w, r, v, false)
}

// runNow starts a run of a deployment the viewer manages and goes back to
// the Syncs page, which follows it while it runs. For a quarantined
// deployment this is the admin's "retry now".
func (s *server) runNow(w http.ResponseWriter, r *http.Request, v viewer) {
	if s.syncs == nil {
		s.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	name := r.PathValue("name")
	deps, err := s.syncs.Deployments(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var dep *license.DeploymentView
	for i := range deps {
		if deps[i].Name == name {
			dep = &deps[i]
		}
	}
	if dep == nil {
		s.notFound(w, r, v)
		return
	}
	if _, err := s.acc.grant(ctx, v, dep.License); err != nil {
		s.notFound(w, r, v)
		return
	}
	if !s.acc.canManage(ctx, v, dep.License) {
		s.forbidden(w, r, v, "Only the admins of the license run its syncs.")
		return
	}
	run, err := s.syncs.RunNow(ctx, name, v.Email)
	switch {
	case errors.Is(err, license.ErrRunInProgress):
		redirect(w, r, "/syncs", "error", "A run of "+name+" is already going on.")
	case err != nil:
		s.log.Info("run now failed", "deployment", name, "actor", v.Email, "err", err)
		redirect(w, r, "/syncs", "error", "Run of "+name+" did not start: "+err.Error())
	case run.Result == "running":
		s.log.Info("run started", "deployment", name, "run", run.ID, "actor", v.Email)
		redirect(w, r, "/syncs", "success", fmt.Sprintf("Run %d of %s started; this page follows it.", run.ID, name))
	default:
		redirect(w, r, "/syncs", "error", fmt.Sprintf("Run %d of %s was %s: %s", run.ID, name, run.Result, run.Reason))
	}
}
