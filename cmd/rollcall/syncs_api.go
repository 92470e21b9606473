package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// apiSyncs is the engine as the admin API and the dashboard see it. Over
// the engine's own view it turns the engine's errors into the license
// package's sentinels, so that an unknown plan or connector answers 404, a
// connector of the wrong kind 400 and a missing directory right 403, never
// 500; and it adds the optional abilities (org units as one person may
// read them, linking an LMS).
type apiSyncs struct {
	license.Syncs
	e     *engine.Engine
	types map[string]string // connector name → type, from the config
	names []string          // connector names, sorted
}

var (
	_ license.OrgUnitReader = apiSyncs{}
	_ license.LMSLinker     = apiSyncs{}
)

func newAPISyncs(e *engine.Engine, cfg *config.Config) apiSyncs {
	s := apiSyncs{Syncs: e.Syncs(), e: e, types: map[string]string{}}
	for _, c := range cfg.Connectors {
		s.types[c.Name] = c.Type
		s.names = append(s.names, c.Name)
	}
	slices.Sort(s.names)
	return s
}

// directory returns connector name as a directory of org units, or
// ErrNotFound (unknown) or a FieldError (not a directory).
func (s apiSyncs) directory(name string) (connectors.OrgUnitDirectory, error) {
	c, ok := s.e.Connector(name)
	if !ok {
		return nil, fmt.Errorf("connector %q: %w", name, license.ErrNotFound)
	}
	dir, ok := c.(connectors.OrgUnitDirectory)
	if !ok {
		return nil, &license.FieldError{Field: "connector", Value: name, Reason: fmt.Sprintf("is a %s connector, not a directory of org units", s.types[name])}
	}
	return dir, nil
}

// Plan answers an unknown plan id as license.ErrNotFound.
func (s apiSyncs) Plan(ctx context.Context, id string) (license.PendingView, license.PlanView, error) {
	pv, plan, err := s.Syncs.Plan(ctx, id)
	if errors.Is(err, syncstate.ErrNotFound) {
		return pv, plan, fmt.Errorf("plan %q: %w", id, license.ErrNotFound)
	}
	return pv, plan, err
}

// OrgUnits lists a directory's whole tree (operators only: the API asks
// OrgUnitsFor for everyone else). Unknown and non-directory connectors are
// both not found: there is no such directory.
func (s apiSyncs) OrgUnits(ctx context.Context, connector string) ([]license.OrgUnitView, error) {
	if _, err := s.directory(connector); err != nil {
		return nil, fmt.Errorf("directory %q: %w", connector, license.ErrNotFound)
	}
	return s.Syncs.OrgUnits(ctx, connector)
}

// OrgUnitsFor lists the org units email may read, as the directory says:
// the deploy check's rule, applied to the picker. A unit under one they
// may read is readable (sub-units are included), so only the others are
// asked about.
func (s apiSyncs) OrgUnitsFor(ctx context.Context, connector, email string) ([]license.OrgUnitView, error) {
	dir, err := s.directory(connector)
	if err != nil {
		return nil, fmt.Errorf("directory %q: %w", connector, license.ErrNotFound)
	}
	all, err := s.Syncs.OrgUnits(ctx, connector)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b license.OrgUnitView) int { return strings.Compare(a.Path, b.Path) })
	var readable []string
	out := []license.OrgUnitView{}
	for _, ou := range all {
		under := slices.ContainsFunc(readable, func(p string) bool {
			return p == "/" || ou.Path == p || strings.HasPrefix(ou.Path, p+"/")
		})
		if !under {
			ok, _, err := dir.CanReadOrgUnits(ctx, email, []string{ou.Path})
			if err != nil {
				return nil, fmt.Errorf("directory %q: check %s's rights on %s: %w", connector, email, ou.Path, err)
			}
			if !ok {
				continue
			}
			readable = append(readable, ou.Path)
		}
		out = append(out, ou)
	}
	return out, nil
}

// DeployOU turns the engine's refusals into 404 (unknown connector), 400
// (not a directory) and 403 (not a directory admin for those units).
func (s apiSyncs) DeployOU(ctx context.Context, req license.DeployOURequest) (license.DeploymentView, license.PlanView, error) {
	if _, err := s.directory(req.Connector); err != nil {
		return license.DeploymentView{}, license.PlanView{}, err
	}
	d, plan, err := s.Syncs.DeployOU(ctx, req)
	switch {
	case errors.Is(err, engine.ErrNotDirectoryAdmin), errors.Is(err, engine.ErrNotLicenseAdmin):
		err = fmt.Errorf("%w: %w", err, auth.ErrForbidden)
	case errors.Is(err, engine.ErrNotDirectory):
		err = &license.FieldError{Field: "connector", Value: req.Connector, Reason: "is not a directory of org units"}
	}
	return d, plan, err
}

// LMSConnectors lists the connectors that are not directories of org
// units: the LMSes and rostering sources a license may be linked to.
func (s apiSyncs) LMSConnectors(context.Context) ([]license.ConnectorView, error) {
	out := []license.ConnectorView{}
	for _, n := range s.names {
		c, ok := s.e.Connector(n)
		if !ok {
			continue
		}
		if _, dir := c.(connectors.OrgUnitDirectory); dir {
			continue
		}
		out = append(out, license.ConnectorView{Name: n, Type: s.types[n]})
	}
	return out, nil
}

// LinkLMS links a license as "rollcall lms link" does.
func (s apiSyncs) LinkLMS(ctx context.Context, req license.LinkLMSRequest) (license.DeploymentView, license.RunView, error) {
	if _, ok := s.e.Connector(req.Connector); !ok {
		return license.DeploymentView{}, license.RunView{}, &license.FieldError{Field: "connector", Value: req.Connector, Reason: "is not a configured connector"}
	}
	d, run, err := s.e.LinkLMS(ctx, engine.LinkLMSRequest{License: req.License, Connector: req.Connector, Units: req.Units, By: req.Actor})
	if err != nil {
		return license.DeploymentView{}, license.RunView{}, err
	}
	dv := license.DeploymentView{Name: d.Name, Connector: d.Connector, Type: s.types[d.Connector], License: d.License,
		Source: d.Source(), Units: slices.Clone(d.Selection.Units), Schedule: d.Schedule, RunTime: d.RunTime, CreatedBy: d.CreatedBy}
	return dv, license.RunView{ID: run.ID, Deployment: run.Deployment, Trigger: run.Trigger, Started: run.Started, Ended: run.Ended,
		Result: string(run.Result), Desired: run.Counts.Desired, Added: run.Counts.Added, Updated: run.Counts.Updated,
		Removed: run.Counts.Removed, Overflow: run.Counts.Overflow, Error: run.Error}, nil
}

// refusal marks the engine's refusals of a request as the request's fault
// (400), not the server's (500): a deployment from the config file cannot
// be undeployed, a plan already decided cannot be decided again.
func refusal(err error) error {
	if errors.Is(err, engine.ErrConfigDeployment) || errors.Is(err, engine.ErrNotPending) {
		return fmt.Errorf("%w: %w", err, license.ErrInvalid)
	}
	return err
}

// Undeploy answers undeploying a config deployment as a bad request.
func (s apiSyncs) Undeploy(ctx context.Context, deployment, actor string) (license.RunView, error) {
	run, err := s.Syncs.Undeploy(ctx, deployment, actor)
	return run, refusal(err)
}

// Approve answers approving a decided plan as a bad request.
func (s apiSyncs) Approve(ctx context.Context, id, actor string) (license.RunView, error) {
	run, err := s.Syncs.Approve(ctx, id, actor)
	return run, refusal(err)
}

// Reject answers rejecting a decided plan as a bad request.
func (s apiSyncs) Reject(ctx context.Context, id, actor string) error {
	return refusal(s.Syncs.Reject(ctx, id, actor))
}
