package lti

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// Deployer is the part of the sync engine a launch may use: look a
// deployment up, and add a run-time one with its first sync.
// connectors/engine's Engine has these methods; cmd/rollcall hands it
// over. AddAndSync schedules the deployment only after its first run, so
// the schedule's start-up catch-up cannot race the launch's first sync.
type Deployer interface {
	Deployment(ctx context.Context, name string) (connectors.Deployment, error)
	AddAndSync(ctx context.Context, d connectors.Deployment) (syncstate.Run, error)
}

// firstSyncTimeout bounds the first sync a launch runs.
const firstSyncTimeout = 10 * time.Minute

// EngineLauncher is the Launcher cmd/rollcall wires: with auto-enrol on,
// the first launch in a course creates the run-time deployment of unit
// context:<id> on the auto-enrol license and runs its first sync.
type EngineLauncher struct {
	Engine Deployer
	Now    func() time.Time // nil: time.Now
}

// Launched implements Launcher.
func (e EngineLauncher) Launched(ctx context.Context, l Launch) (Outcome, error) {
	unit := "context:" + l.Context.ID
	if l.AutoEnrolLicense == "" {
		return Outcome{Note: fmt.Sprintf("Rollcall has recorded this course; auto-enrol is off for this platform, so an admin can deploy unit %q to a license.", unit)}, nil
	}
	name := DeploymentName(l.Connector, l.Context.ID)
	if d, err := e.Engine.Deployment(ctx, name); err == nil {
		return Outcome{Deployment: d.Name, Note: fmt.Sprintf("This course is enrolled on license %s (deployment %s); its roster stays in step on every sync.", d.License, d.Name)}, nil
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	by := l.Email
	if by == "" {
		by = "lti:" + l.UserID
	}
	d := connectors.Deployment{
		Name: name, Connector: l.Connector, License: l.AutoEnrolLicense,
		Selection:     connectors.Selection{Units: []string{unit}, DefaultRole: license.RoleStudent},
		DeletionLimit: connectors.DefaultDeletionLimit,
		CreatedBy:     by, Created: now(), RunTime: true,
	}
	// The first sync finishes even when the browser goes away: once the
	// deployment exists, a half-done first sync would only wait for the
	// schedule.
	syncCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), firstSyncTimeout)
	defer cancel()
	run, err := e.Engine.AddAndSync(syncCtx, d)
	if err != nil && run.ID == 0 {
		// Two first launches at once: the other one created it.
		if existing, lerr := e.Engine.Deployment(ctx, name); lerr == nil {
			return Outcome{Deployment: existing.Name, Note: fmt.Sprintf("This course is enrolled on license %s (deployment %s).", existing.License, existing.Name)}, nil
		}
		return Outcome{}, fmt.Errorf("create deployment %s: %w", name, err)
	}
	if err != nil {
		return Outcome{Deployment: name, Created: true}, fmt.Errorf("first sync of %s: %w", name, err)
	}
	return Outcome{Deployment: name, Created: true, Added: run.Counts.Added,
		Note: fmt.Sprintf("This course is now enrolled on license %s (deployment %s): its first sync added %d people (%s).", d.License, name, run.Counts.Added, run.Result)}, nil
}

// DeploymentName names the deployment of a course: the connector, "ctx"
// and the context id made safe for a deployment name, with a hash of the
// id when it had to change (or was too long), so two courses never share
// a name.
func DeploymentName(connector, contextID string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, contextID)
	name := connector + "-ctx-" + safe
	if safe != contextID || len(name) > 64 {
		h := fnv.New32a()
		h.Write([]byte(contextID))
		suffix := fmt.Sprintf("-%08x", h.Sum32())
		if len(name)+len(suffix) > 64 {
			name = name[:64-len(suffix)]
		}
		name += suffix
	}
	return name
}
