package license

import (
	"context"
	"errors"
	"time"
)

// ErrRunInProgress: a run of the deployment is already going on; the run
// asked for was recorded as skipped.
var ErrRunInProgress = errors.New("a run of this deployment is already in progress")

// Syncs is what the admin API and the dashboard may ask of the sync side.
// The license package must not import connectors (arrows point one way), so
// cmd/rollcall wires an adapter over the connectors engine to this small
// interface, and tests can give their own.
type Syncs interface {
	// Deployments lists deployments, optionally of one license ("" = all).
	Deployments(ctx context.Context, licenseID string) ([]DeploymentView, error)
	// Runs lists a deployment's last runs, newest first.
	Runs(ctx context.Context, deployment string, limit int) ([]RunView, error)
	// RunNow starts a sync of a deployment and returns its record as soon
	// as it exists (result running): the run goes on server-side whatever
	// becomes of ctx. A run already going on gives the skipped record and
	// ErrRunInProgress. A manual run also ends a quarantine (retry now).
	RunNow(ctx context.Context, deployment, actor string) (RunView, error)
	// Run returns one run of a deployment by ID, to follow it; ErrNotFound
	// when it is not kept.
	Run(ctx context.Context, deployment string, id uint64) (RunView, error)
	// DryRun plans without changing anything.
	DryRun(ctx context.Context, deployment string) (PlanView, error)
	// Pending lists held plans ("" = all deployments); Plan shows one.
	Pending(ctx context.Context, deployment string) ([]PendingView, error)
	Plan(ctx context.Context, id string) (PendingView, PlanView, error)
	Approve(ctx context.Context, id, actor string) (RunView, error)
	Reject(ctx context.Context, id, actor string) error
	// OrgUnits lists a directory connector's org units for the OU picker.
	OrgUnits(ctx context.Context, connector string) ([]OrgUnitView, error)
	// DeployOU creates a run-time deployment of a license to org units,
	// after checking that actor is a Google admin allowed to read them
	// (the caller has already checked that actor administers the license).
	// With dryRun it returns the first sync's plan and saves nothing.
	DeployOU(ctx context.Context, req DeployOURequest) (DeploymentView, PlanView, error)
	// Undeploy removes a run-time deployment and its claims through the
	// normal guarded plan (a large removal is held for approval).
	Undeploy(ctx context.Context, deployment, actor string) (RunView, error)
}

// DeploymentView is a deployment as the API shows it.
type DeploymentView struct {
	Name      string            `json:"name"`
	Connector string            `json:"connector"`
	Type      string            `json:"type"` // connector type, e.g. google-directory
	License   string            `json:"license"`
	Source    Source            `json:"source"`
	Units     []string          `json:"units"`
	Roles     map[string]Role   `json:"roles,omitempty"`
	Schedule  string            `json:"schedule"`
	RunTime   bool              `json:"run_time"`
	CreatedBy string            `json:"created_by,omitempty"`
	Options   map[string]string `json:"options,omitempty"`
	LastRun   *RunView          `json:"last_run,omitempty"`
	NextRun   time.Time         `json:"next_run,omitzero"`
	// Mode is mirror, add-only or remove-only.
	Mode string `json:"mode,omitempty"`
	// Health is set while runs fail: the count, and the quarantine.
	Health *HealthView `json:"health,omitempty"`
	// Window is the calendar window the deployment is in now, if any.
	Window *WindowView `json:"window,omitempty"`
}

// HealthView is a deployment's failure count and quarantine.
type HealthView struct {
	Failures    int       `json:"failures"`
	LastError   string    `json:"last_error,omitempty"`
	Quarantined bool      `json:"quarantined"`
	Since       time.Time `json:"since,omitzero"`
	Until       time.Time `json:"until,omitzero"`
	Reason      string    `json:"reason,omitempty"`
}

// WindowView is a calendar window.
type WindowView struct {
	Name  string    `json:"name"`
	Kind  string    `json:"kind"` // blackout or additions-only
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// RunView is one sync run.
type RunView struct {
	ID           uint64    `json:"id"`
	Deployment   string    `json:"deployment"`
	Trigger      string    `json:"trigger"`
	Started      time.Time `json:"started"`
	Ended        time.Time `json:"ended"`
	Result       string    `json:"result"` // running, success, held, guarded, failed, skipped, interrupted
	Desired      int       `json:"desired"`
	Added        int       `json:"added"`
	Updated      int       `json:"updated"`
	Removed      int       `json:"removed"`
	Overflow     int       `json:"overflow"`
	Skipped      int       `json:"skipped"`
	HeldRemovals int       `json:"held_removals"`
	HeldUpdates  int       `json:"held_updates"`
	Refused      int       `json:"refused"`
	PlanID       string    `json:"plan_id,omitempty"`
	Error        string    `json:"error,omitempty"`
	Guard        string    `json:"guard,omitempty"`  // the guard that held or stopped it
	Reason       string    `json:"reason,omitempty"` // why it was held, guarded, skipped or interrupted
	Mode         string    `json:"mode,omitempty"`
	Progress     time.Time `json:"progress,omitzero"` // last progress write of a running run
}

// PendingView is a plan held for approval.
type PendingView struct {
	ID         string    `json:"id"`
	Deployment string    `json:"deployment"`
	License    string    `json:"license"`
	Created    time.Time `json:"created"`
	Removals   int       `json:"removals"`
	Summary    string    `json:"summary"`
	Status     string    `json:"status"`
	DecidedBy  string    `json:"decided_by,omitempty"`
}

// PlanView is a plan's counts, guards and changes.
type PlanView struct {
	Deployment string       `json:"deployment"`
	License    string       `json:"license"`
	Held       bool         `json:"held"`
	Guards     []string     `json:"guards"` // human reasons
	Adds       []PlanChange `json:"adds"`
	Updates    []PlanChange `json:"updates"`
	Removes    []PlanChange `json:"removes"`
	Overflow   []Overflow   `json:"overflow"`
}

// PlanChange is one planned change to a claim.
type PlanChange struct {
	Email   string `json:"email"`
	Name    string `json:"name,omitempty"`
	Role    Role   `json:"role,omitempty"`
	OrgUnit string `json:"org_unit,omitempty"`
	Detail  string `json:"detail,omitempty"` // what an update changes
}

// OrgUnitView is one org unit of a directory.
type OrgUnitView struct {
	Path   string `json:"path"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
}

// DeployOURequest asks to deploy a license to org units.
type DeployOURequest struct {
	License   string          `json:"license"`
	Connector string          `json:"connector"`
	OrgUnits  map[string]Role `json:"org_units"` // OU path → role
	Actor     string          `json:"-"`         // the admin deploying, checked as a Google admin
	DryRun    bool            `json:"dry_run"`
}
