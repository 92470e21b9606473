package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

var errNoSyncs = errorf(404, CodeNotConfigured, "this server runs no syncs")

// deployment finds a deployment by name and checks p manages its
// license. An unknown deployment and one p may not see are both 404.
func (s *server) deployment(r *http.Request, p auth.Principal, name string) (license.DeploymentView, error) {
	if s.syncs == nil {
		return license.DeploymentView{}, errNoSyncs
	}
	if p.Role != auth.RoleOperator && p.Role != auth.RoleAdmin {
		return license.DeploymentView{}, s.az.CanManageLicense(r.Context(), p, "")
	}
	ds, err := s.syncs.Deployments(r.Context(), "")
	if err != nil {
		return license.DeploymentView{}, err
	}
	for _, d := range ds {
		if d.Name != name {
			continue
		}
		if err := s.az.CanManageLicense(r.Context(), p, d.License); err != nil {
			if p.Role == auth.RoleAdmin && s.az.CanReadLicense(r.Context(), p, d.License) != nil {
				break // not even visible: answer as unknown
			}
			return d, err
		}
		return d, nil
	}
	return license.DeploymentView{}, fmt.Errorf("deployment %q: %w", name, license.ErrNotFound)
}

func (s *server) listDeployments(w http.ResponseWriter, r *http.Request) error {
	_, id, err := s.managedLicense(r)
	if err != nil {
		return err
	}
	if s.syncs == nil {
		return errNoSyncs
	}
	ds, err := s.syncs.Deployments(r.Context(), id)
	return answer(w, map[string]any{"deployments": orEmpty(ds)}, err)
}

func (s *server) deployOU(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.managedLicense(r)
	if err != nil {
		return err
	}
	if s.syncs == nil {
		return errNoSyncs
	}
	var in struct {
		Connector string                  `json:"connector"`
		OrgUnits  map[string]license.Role `json:"org_units"`
		DryRun    bool                    `json:"dry_run"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Connector == "" {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "connector", Message: "connector is required"}
	}
	if len(in.OrgUnits) == 0 {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "org_units", Message: "name at least one org unit"}
	}
	for ou, role := range in.OrgUnits {
		if err := checkOrgUnitPath(ou); err != nil {
			return err
		}
		if !role.Valid() {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "org_units", Message: fmt.Sprintf("org unit %q: role %q must be student, teacher or other", ou, role)}
		}
	}
	d, plan, err := s.syncs.DeployOU(r.Context(), license.DeployOURequest{License: id, Connector: in.Connector, OrgUnits: in.OrgUnits, Actor: p.Email, DryRun: in.DryRun})
	if err != nil {
		return err
	}
	status := 201
	if in.DryRun {
		status = 200
	}
	writeJSON(w, status, map[string]any{"deployment": d, "plan": plan})
	return nil
}

func (s *server) undeploy(w http.ResponseWriter, r *http.Request) error {
	p, d, err := s.pathDeployment(r)
	if err != nil {
		return err
	}
	run, err := s.syncs.Undeploy(r.Context(), d.Name, p.Email)
	return runAnswer(w, run, err)
}

func (s *server) listRuns(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.pathDeployment(r)
	if err != nil {
		return err
	}
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "limit", Message: "limit must be a whole number from 1 to 1000"}
		}
	}
	runs, err := s.syncs.Runs(r.Context(), d.Name, limit)
	return answer(w, map[string]any{"runs": orEmpty(runs)}, err)
}

// runNow starts a run and answers 202 with its record (result running)
// at once; the run goes on server-side, and GET .../runs/{id} follows it.
// A run already going on answers 409 with the skipped record.
func (s *server) runNow(w http.ResponseWriter, r *http.Request) error {
	p, d, err := s.pathDeployment(r)
	if err != nil {
		return err
	}
	run, err := s.syncs.RunNow(r.Context(), d.Name, p.Email)
	switch {
	case errors.Is(err, license.ErrRunInProgress):
		writeJSON(w, http.StatusConflict, run)
		return nil
	case err != nil && run.ID == 0:
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/deployments/%s/runs/%d", Prefix, url.PathEscape(d.Name), run.ID))
	status := http.StatusAccepted
	if run.Result != "running" {
		status = http.StatusOK // it ended before it began (skipped: quarantine, blackout)
	}
	writeJSON(w, status, run)
	return nil
}

// getRun answers one run of a deployment, running or ended.
func (s *server) getRun(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.pathDeployment(r)
	if err != nil {
		return err
	}
	id, perr := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if perr != nil || id == 0 {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "id", Message: "a run id is a whole number from 1"}
	}
	run, err := s.syncs.Run(r.Context(), d.Name, id)
	return answer(w, run, err)
}

// runAnswer answers a run that ended: its record even when it failed (the
// record says how), an error only when there is no record.
func runAnswer(w http.ResponseWriter, run license.RunView, err error) error {
	if err != nil && run.ID == 0 {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

func (s *server) dryRun(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.pathDeployment(r)
	if err != nil {
		return err
	}
	plan, err := s.syncs.DryRun(r.Context(), d.Name)
	return answer(w, plan, err)
}

// orgUnits lists a directory connector's org units for the OU picker:
// operators see the tree, license admins the units the directory says
// they may read (see orgUnitsFor).
func (s *server) orgUnits(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if s.syncs == nil {
		return errNoSyncs
	}
	ous, err := orgUnitsFor(r.Context(), s.az, s.syncs, p, r.PathValue("connector"))
	return answer(w, map[string]any{"org_units": orEmpty(ous)}, err)
}

// plan finds a held plan and checks p manages its license.
func (s *server) plan(r *http.Request, p auth.Principal, id string) (license.PendingView, license.PlanView, error) {
	if s.syncs == nil {
		return license.PendingView{}, license.PlanView{}, errNoSyncs
	}
	if p.Role != auth.RoleOperator && p.Role != auth.RoleAdmin {
		return license.PendingView{}, license.PlanView{}, s.az.CanManageLicense(r.Context(), p, "")
	}
	pv, plan, err := s.syncs.Plan(r.Context(), id)
	if err != nil {
		return pv, plan, err
	}
	if err := s.az.CanManageLicense(r.Context(), p, pv.License); err != nil {
		if s.az.CanReadLicense(r.Context(), p, pv.License) != nil {
			return license.PendingView{}, license.PlanView{}, fmt.Errorf("plan %q: %w", id, license.ErrNotFound)
		}
		return license.PendingView{}, license.PlanView{}, err
	}
	return pv, plan, nil
}

func (s *server) listPlans(w http.ResponseWriter, r *http.Request) error {
	gs, err := s.visibleGrants(r)
	if err != nil {
		return err
	}
	if s.syncs == nil {
		return errNoSyncs
	}
	managed := map[string]bool{}
	for _, g := range gs {
		managed[g.License.ID] = g.Access >= auth.AccessLicense
	}
	all, err := s.syncs.Pending(r.Context(), r.URL.Query().Get("deployment"))
	if err != nil {
		return err
	}
	out := []license.PendingView{}
	for _, pv := range all {
		if managed[pv.License] {
			out = append(out, pv)
		}
	}
	writeJSON(w, 200, map[string]any{"plans": out})
	return nil
}

func (s *server) getPlan(w http.ResponseWriter, r *http.Request) error {
	_, pv, plan, err := s.pathPlan(r)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"pending": pv, "plan": plan})
	return nil
}

func (s *server) approvePlan(w http.ResponseWriter, r *http.Request) error {
	p, pv, _, err := s.pathPlan(r)
	if err != nil {
		return err
	}
	run, err := s.syncs.Approve(r.Context(), pv.ID, p.Email)
	return runAnswer(w, run, err)
}

func (s *server) rejectPlan(w http.ResponseWriter, r *http.Request) error {
	p, pv, _, err := s.pathPlan(r)
	if err != nil {
		return err
	}
	if err := s.syncs.Reject(r.Context(), pv.ID, p.Email); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
