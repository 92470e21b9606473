package connectors

import (
	"fmt"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Deployment binds a selection of one connector's source to one license.
// Its claims carry the source "<connector>/<deployment>", and a sync of it
// can only ever change claims with that source.
type Deployment struct {
	Name      string    `json:"name"`      // unique among deployments
	Connector string    `json:"connector"` // connector instance name
	License   string    `json:"license"`   // license id
	Selection Selection `json:"selection"`
	// Schedule is a cron spec ("*/15 * * * *") or "@every 10m"; empty
	// means the connector's schedule.
	Schedule string `json:"schedule,omitempty"`
	TimeZone string `json:"time_zone,omitempty"` // IANA name; empty: the connector's, else UTC
	// DeletionLimit holds plans that would remove more than this many claims.
	DeletionLimit DeletionLimit `json:"deletion_limit"`
	// Mode is ModeMirror (empty means it too), ModeAddOnly or ModeRemoveOnly.
	Mode string `json:"mode,omitempty"`
	// MaxUpdatePercent holds a plan's updates for approval when they
	// change more than this percentage of the deployment's claims; 0 means
	// DefaultMaxUpdatePercent, 100 turns the guard off.
	MaxUpdatePercent float64 `json:"max_update_percent,omitempty"`
	// GracePeriod marks a leaver as leaving, with a date this far ahead,
	// instead of removing their claim; the claim goes after the date.
	GracePeriod time.Duration `json:"grace_period,omitempty"`
	// GraceRevokes: a leaving member is no longer entitled while leaving
	// (the config's grace_keeps_access: false).
	GraceRevokes bool `json:"grace_revokes,omitempty"`
	// Set for deployments created at run time (deploy-ou), stored in sync state.
	CreatedBy string    `json:"created_by,omitempty"`
	Created   time.Time `json:"created,omitzero"`
	RunTime   bool      `json:"run_time,omitempty"`
	// Undeploying marks a run-time deployment being removed: it is no
	// longer scheduled, and goes once its claims are gone (which may wait
	// for an approval when they are many).
	Undeploying bool `json:"undeploying,omitempty"`
}

// DeletionLimit bounds how many claims one sync may remove without approval:
// max(Min, Percent% of the deployment's current claims).
type DeletionLimit struct {
	Percent float64 `json:"percent" yaml:"percent"`
	Min     int     `json:"min" yaml:"min"`
}

// DefaultDeletionLimit is 10 % of the current claims, and at least 20 people.
var DefaultDeletionLimit = DeletionLimit{Percent: 10, Min: 20}

// Bound is the number of removals allowed against current claims.
func (l DeletionLimit) Bound(current int) int {
	return max(l.Min, int(float64(current)*l.Percent/100))
}

// Sync modes of a deployment.
const (
	ModeMirror     = "mirror"      // add, update and remove
	ModeAddOnly    = "add-only"    // never remove
	ModeRemoveOnly = "remove-only" // only remove claims the source no longer names
)

// DefaultMaxUpdatePercent is the update-storm bound: a plan updating more
// than this share of the claims holds its updates.
const DefaultMaxUpdatePercent = 75

// SyncMode is the deployment's mode, ModeMirror when unset.
func (d *Deployment) SyncMode() string {
	if d.Mode == "" {
		return ModeMirror
	}
	return d.Mode
}

// UpdateBound is the number of updates allowed against current claims
// before the update-storm guard holds them; -1 means no bound.
func (d *Deployment) UpdateBound(current int) int {
	pct := d.MaxUpdatePercent
	if pct == 0 {
		pct = DefaultMaxUpdatePercent
	}
	if pct >= 100 {
		return -1
	}
	return int(float64(current) * pct / 100)
}

// Source is the claim source of the deployment.
func (d *Deployment) Source() license.Source {
	return license.DeploymentSource(d.Connector, d.Name)
}

// Validate checks the deployment's own fields (not the connector's view of
// the selection: see SelectionValidator).
func (d *Deployment) Validate() error {
	if !validName(d.Name) {
		return fmt.Errorf("deployment name %q: must be 1-64 characters of a-z, 0-9 and . - _ or a colon", d.Name)
	}
	if !validName(d.Connector) {
		return fmt.Errorf("deployment %s: connector name %q: must be 1-64 characters of a-z, 0-9 and . - _ or a colon", d.Name, d.Connector)
	}
	if d.License == "" {
		return fmt.Errorf("deployment %s: license is required", d.Name)
	}
	if d.DeletionLimit.Percent < 0 || d.DeletionLimit.Percent > 100 || d.DeletionLimit.Min < 0 {
		return fmt.Errorf("deployment %s: deletion_limit: percent must be 0-100 and min not negative", d.Name)
	}
	switch d.Mode {
	case "", ModeMirror, ModeAddOnly, ModeRemoveOnly:
	default:
		return fmt.Errorf("deployment %s: mode %q: must be mirror, add-only or remove-only", d.Name, d.Mode)
	}
	if d.MaxUpdatePercent < 0 || d.MaxUpdatePercent > 100 {
		return fmt.Errorf("deployment %s: max_update_percent %v: must be from 0 to 100", d.Name, d.MaxUpdatePercent)
	}
	if d.GracePeriod < 0 {
		return fmt.Errorf("deployment %s: grace_period %s: must not be negative", d.Name, d.GracePeriod)
	}
	if d.Selection.DefaultRole != "" && !d.Selection.DefaultRole.Valid() {
		return fmt.Errorf("deployment %s: default_role %q: must be student, teacher or other", d.Name, d.Selection.DefaultRole)
	}
	for k, r := range d.Selection.Roles {
		if !r.Valid() {
			return fmt.Errorf("deployment %s: roles[%q] = %q: must be student, teacher or other", d.Name, k, r)
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':')
	}) < 0
}
