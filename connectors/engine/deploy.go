package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// Errors of the OU-deploy flow.
var (
	// ErrNotLicenseAdmin: the person deploying does not administer the license.
	ErrNotLicenseAdmin = errors.New("not an admin of the license")
	// ErrNotDirectoryAdmin: the person deploying may not read those org units.
	ErrNotDirectoryAdmin = errors.New("not a directory admin for those org units")
	// ErrNotDirectory: the connector is not a directory of org units.
	ErrNotDirectory = errors.New("connector is not a directory of org units")
	// ErrConfigDeployment: config-file deployments change only in the file.
	ErrConfigDeployment = errors.New("deployment comes from the config file")
)

// DeployOURequest asks to deploy a license to org units of a directory.
type DeployOURequest struct {
	Name      string                  // deployment name; empty: derived from the license and OUs
	License   string                  // license id
	Connector string                  // a directory connector's instance name
	OrgUnits  map[string]license.Role // OU path → role of its people
	By        string                  // the person deploying: license admin and directory admin
	// Operator skips the license-admin check (an operator may deploy any
	// license); the directory-admin check always applies.
	Operator bool
}

// PlanDeployOU checks the request and both sides of the permission (license
// admin, directory admin for every OU) and returns the deployment it would
// create with the plan of its first sync. Nothing is saved.
func (e *Engine) PlanDeployOU(ctx context.Context, req DeployOURequest) (connectors.Deployment, *reconcile.Plan, error) {
	d, err := e.ouDeployment(ctx, req)
	if err != nil {
		return d, nil, err
	}
	plan, err := e.dryRun(ctx, d)
	return d, plan, err
}

// DeployOU checks the request as PlanDeployOU does, saves the run-time
// deployment, schedules it, and runs its first sync.
func (e *Engine) DeployOU(ctx context.Context, req DeployOURequest) (connectors.Deployment, syncstate.Run, error) {
	d, err := e.ouDeployment(ctx, req)
	if err != nil {
		return d, syncstate.Run{}, err
	}
	return e.addAndSync(ctx, d)
}

// addAndSync saves a run-time deployment, runs its first sync, and only
// then schedules it, so the schedule's start-up catch-up does not race the
// first sync.
func (e *Engine) addAndSync(ctx context.Context, d connectors.Deployment) (connectors.Deployment, syncstate.Run, error) {
	if err := e.saveDeployment(ctx, d); err != nil {
		return d, syncstate.Run{}, err
	}
	run, err := e.Run(ctx, d.Name, TriggerManual)
	if serr := e.scheduleIfStarted(d); serr != nil && err == nil {
		err = serr
	}
	return d, run, err
}

func (e *Engine) ouDeployment(ctx context.Context, req DeployOURequest) (connectors.Deployment, error) {
	by, err := license.NormalizeEmail(req.By)
	if err != nil {
		return connectors.Deployment{}, fmt.Errorf("deploy to org units: the person deploying: %w", err)
	}
	if len(req.OrgUnits) == 0 {
		return connectors.Deployment{}, errors.New("deploy to org units: name at least one org unit")
	}
	l, err := e.store.GetLicense(ctx, req.License)
	if err != nil {
		return connectors.Deployment{}, fmt.Errorf("deploy to org units: license %q: %w", req.License, err)
	}
	if !req.Operator && !l.IsAdmin(by) {
		return connectors.Deployment{}, fmt.Errorf("deploy license %s: %s: %w", l.ID, by, ErrNotLicenseAdmin)
	}
	conn, ok := e.conns[req.Connector]
	if !ok {
		return connectors.Deployment{}, fmt.Errorf("deploy license %s: connector %q is not configured", l.ID, req.Connector)
	}
	dir, ok := conn.(connectors.OrgUnitDirectory)
	if !ok {
		return connectors.Deployment{}, fmt.Errorf("deploy license %s: connector %q: %w", l.ID, req.Connector, ErrNotDirectory)
	}
	ous := make([]string, 0, len(req.OrgUnits))
	roles := map[string]license.Role{}
	for ou, r := range req.OrgUnits {
		if !strings.HasPrefix(ou, "/") {
			return connectors.Deployment{}, fmt.Errorf("deploy license %s: org unit %q must be a path starting with /", l.ID, ou)
		}
		if r == "" {
			r = license.RoleStudent
		}
		if !r.Valid() {
			return connectors.Deployment{}, fmt.Errorf("deploy license %s: org unit %s: role %q must be student, teacher or other", l.ID, ou, r)
		}
		ous = append(ous, ou)
		roles[ou] = r
	}
	slices.Sort(ous)
	can, why, err := dir.CanReadOrgUnits(ctx, by, ous)
	if err != nil {
		return connectors.Deployment{}, fmt.Errorf("deploy license %s: check %s's directory rights: %w", l.ID, by, err)
	}
	if !can {
		return connectors.Deployment{}, fmt.Errorf("deploy license %s: %s: %w", l.ID, why, ErrNotDirectoryAdmin)
	}
	name := req.Name
	if name == "" {
		name = ouDeploymentName(l.ID, ous)
	}
	d := connectors.Deployment{
		Name:          name,
		Connector:     req.Connector,
		License:       l.ID,
		Selection:     connectors.Selection{Units: ous, Roles: roles, DefaultRole: license.RoleStudent},
		Schedule:      e.connectorSchedule(req.Connector),
		DeletionLimit: connectors.DefaultDeletionLimit,
		CreatedBy:     by,
		Created:       e.now(),
		RunTime:       true,
	}
	if err := d.Validate(); err != nil {
		return d, fmt.Errorf("deploy license %s: %w", l.ID, err)
	}
	if v, ok := conn.(connectors.SelectionValidator); ok {
		if err := v.ValidateSelection(ctx, d.Selection); err != nil {
			return d, fmt.Errorf("deploy license %s: %w", l.ID, err)
		}
	}
	return d, nil
}

// ouDeploymentName is stable for the same license and OUs, so deploying
// the same thing twice is caught as a duplicate rather than doubled.
func ouDeploymentName(licenseID string, ous []string) string {
	var b strings.Builder
	b.WriteString(licenseID)
	b.WriteString("-ou")
	for _, ou := range ous {
		b.WriteByte('-')
		for _, r := range strings.ToLower(strings.Trim(ou, "/")) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				b.WriteRune(r)
			case r == '/':
				b.WriteByte('.')
			}
		}
	}
	n := b.String()
	if len(n) > 64 {
		h := fnv.New32a()
		h.Write([]byte(n))
		n = n[:55] + "-" + fmt.Sprintf("%08x", h.Sum32())
	}
	return n
}

// connectorSchedule is the schedule of a config deployment on the same
// connector, else config.DefaultSchedule: run-time deployments follow their
// connector's rhythm.
func (e *Engine) connectorSchedule(connector string) string {
	for _, d := range e.static {
		if d.Connector == connector && d.Schedule != "" {
			return d.Schedule
		}
	}
	if s, ok := e.schedules[connector]; ok && s != "" {
		return s
	}
	return config.DefaultSchedule
}

// AddDeployment saves a run-time deployment and, if the engine is
// running, schedules it.
// AddAndSync saves a run-time deployment, runs its first sync and only
// then schedules it, for callers (an LTI launch) that create a deployment
// and want its first run's record.
func (e *Engine) AddAndSync(ctx context.Context, d connectors.Deployment) (syncstate.Run, error) {
	_, run, err := e.addAndSync(ctx, d)
	return run, err
}

func (e *Engine) AddDeployment(ctx context.Context, d connectors.Deployment) error {
	if err := e.saveDeployment(ctx, d); err != nil {
		return err
	}
	return e.scheduleIfStarted(d)
}

func (e *Engine) saveDeployment(ctx context.Context, d connectors.Deployment) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if _, ok := e.conns[d.Connector]; !ok {
		return fmt.Errorf("deployment %s: connector %q is not configured", d.Name, d.Connector)
	}
	if _, err := e.store.GetLicense(ctx, d.License); err != nil {
		return fmt.Errorf("deployment %s: license %q: %w", d.Name, d.License, err)
	}
	if old, err := e.Deployment(ctx, d.Name); err == nil {
		return fmt.Errorf("deployment %s already exists (license %s, connector %s)", d.Name, old.License, old.Connector)
	}
	d.RunTime = true
	if err := e.state.PutDeployment(ctx, d); err != nil {
		return fmt.Errorf("save deployment %s: %w", d.Name, err)
	}
	e.log.Info("deployment created", "deployment", d.Name, "license", d.License, "connector", d.Connector, "units", d.Selection.Units, "by", d.CreatedBy)
	return nil
}

func (e *Engine) scheduleIfStarted(d connectors.Deployment) error {
	e.mu.Lock()
	s := e.sched
	e.mu.Unlock()
	if s == nil {
		return nil
	}
	e.metrics.InitDeployment(d.Name, d.Connector)
	return e.schedule(s, d)
}

// Undeploy removes a run-time deployment and its claims through the normal
// guarded plan: when the claims are more than the deletion limit allows,
// the removal is held for approval and the deployment stays (unscheduled)
// until it is approved. Claims of other sources are never touched.
func (e *Engine) Undeploy(ctx context.Context, name, by string) (syncstate.Run, error) {
	d, err := e.Deployment(ctx, name)
	if err != nil {
		return syncstate.Run{}, err
	}
	if !d.RunTime {
		return syncstate.Run{}, fmt.Errorf("undeploy %s: %w; remove it there", name, ErrConfigDeployment)
	}
	if !e.acquire(d.Name) {
		return syncstate.Run{}, fmt.Errorf("undeploy %s: %w", name, ErrRunning)
	}
	defer e.release(d.Name)
	ctx, let, err := e.holdLease(ctx, d.Name)
	if err != nil {
		return syncstate.Run{}, fmt.Errorf("undeploy %s: %w", name, err)
	}
	defer let()
	if !d.Undeploying {
		d.Undeploying = true
		if err := e.state.PutDeployment(ctx, d); err != nil {
			return syncstate.Run{}, fmt.Errorf("undeploy %s: %w", name, err)
		}
	}
	e.unschedule(d.Name)
	run, err := e.run(ctx, d, TriggerManual, &approval{retire: true, by: by}, reconcile.Options{}, nil)
	if err != nil || run.Result == syncstate.ResultHeld {
		return run, err
	}
	return run, e.forget(ctx, d)
}

// forget deletes an undeployed deployment whose claims are all gone.
func (e *Engine) forget(ctx context.Context, d connectors.Deployment) error {
	if err := e.state.DeleteDeployment(ctx, d.Name); err != nil {
		return fmt.Errorf("undeploy %s: %w", d.Name, err)
	}
	e.metrics.ForgetDeployment(d.Name)
	e.log.Info("deployment removed", "deployment", d.Name, "license", d.License)
	return nil
}

func (e *Engine) unschedule(name string) {
	e.mu.Lock()
	s := e.sched
	e.mu.Unlock()
	if s != nil {
		s.Remove(name)
	}
}
