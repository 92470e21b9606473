package connectors

import (
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/config"
)

// applyPolicies copies a config deployment's lifecycle settings (mode,
// update-storm bound, grace period) onto d.
func applyPolicies(d *Deployment, cd *config.Deployment) {
	d.Mode = cd.Mode
	if cd.MaxUpdatePercent != nil {
		d.MaxUpdatePercent = *cd.MaxUpdatePercent
	}
	d.GracePeriod = cd.GracePeriod
	d.GraceRevokes = cd.GraceKeepsAccess != nil && !*cd.GraceKeepsAccess
}

// Calendar window kinds.
const (
	WindowBlackout      = "blackout"       // no syncs: runs are skipped
	WindowAdditionsOnly = "additions-only" // removals are held for approval
)

// Window is a calendar window as the engine evaluates it: [Start, End) in
// absolute time, for the licenses and deployments it names (none: all).
type Window struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Licenses    []string  `json:"licenses,omitempty"`
	Deployments []string  `json:"deployments,omitempty"`
}

// Applies reports whether w covers deployment d (whatever the time).
func (w *Window) Applies(d *Deployment) bool {
	if len(w.Licenses) == 0 && len(w.Deployments) == 0 {
		return true
	}
	return slices.Contains(w.Licenses, d.License) || slices.Contains(w.Deployments, d.Name)
}

// Open reports whether t is inside w.
func (w *Window) Open(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// ActiveWindow returns the window covering d at t; a blackout wins over an
// additions-only window. false when none covers it.
func ActiveWindow(ws []Window, d *Deployment, t time.Time) (Window, bool) {
	var found *Window
	for i := range ws {
		w := &ws[i]
		if !w.Open(t) || !w.Applies(d) {
			continue
		}
		if found == nil || (w.Kind == WindowBlackout && found.Kind != WindowBlackout) {
			found = w
		}
	}
	if found == nil {
		return Window{}, false
	}
	return *found, true
}

// Calendar converts the config's windows: each runs from the start of its
// first day to the end of its last day in its time zone (UTC when unset).
// The config has validated the dates and zones.
func Calendar(cfg *config.Config) []Window {
	out := make([]Window, 0, len(cfg.Calendar))
	for _, cw := range cfg.Calendar {
		loc := time.UTC
		if cw.TimeZone != "" {
			if l, err := time.LoadLocation(cw.TimeZone); err == nil {
				loc = l
			}
		}
		from, err1 := time.ParseInLocation(time.DateOnly, cw.From, loc)
		to, err2 := time.ParseInLocation(time.DateOnly, cw.To, loc)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, Window{Name: cw.Name, Kind: cw.Kind, Start: from, End: to.AddDate(0, 0, 1),
			Licenses: slices.Clone(cw.Licenses), Deployments: slices.Clone(cw.Deployments)})
	}
	return out
}
