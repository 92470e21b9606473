package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// QuarantineBackoff is how long a quarantined deployment waits before its
// next try, by how many times it has been backed off: 6 h, 12 h, then
// daily.
func QuarantineBackoff(level int) time.Duration {
	switch {
	case level <= 1:
		return 6 * time.Hour
	case level == 2:
		return 12 * time.Hour
	}
	return 24 * time.Hour
}

// quarantineGate says whether a run of d must be skipped because d is
// quarantined. A manual run is an admin's "retry now": it ends the
// quarantine and runs. Once the backoff has passed, one run is let
// through; its failure backs off further, its success ends the quarantine.
func (e *Engine) quarantineGate(ctx context.Context, d connectors.Deployment, trigger string, now time.Time) (bool, string) {
	h, err := e.state.Health(ctx, d.Name)
	if err != nil {
		e.log.Warn("read deployment health", "deployment", d.Name, "err", err)
		return false, ""
	}
	if !h.Quarantined {
		return false, ""
	}
	if trigger == TriggerManual {
		if _, err := e.state.UpdateHealth(context.WithoutCancel(ctx), d.Name, func(h *syncstate.Health) { *h = syncstate.Health{} }); err != nil {
			e.log.Warn("end quarantine", "deployment", d.Name, "err", err)
		}
		e.metrics.SetQuarantined(d.Name, false)
		e.log.Info("quarantine ended: an admin asked to retry now", "deployment", d.Name)
		return false, ""
	}
	if now.Before(h.Until) {
		return true, fmt.Sprintf("quarantined until %s: %s", h.Until.UTC().Format(time.RFC3339), h.Reason)
	}
	return false, ""
}

// noteHealth counts a failed run towards quarantine, and ends the
// quarantine and the count on a run that got through.
func (e *Engine) noteHealth(ctx context.Context, d connectors.Deployment, run syncstate.Run, err error) {
	now := run.Ended
	switch run.Result {
	case syncstate.ResultFailed:
		cred := errCredentials(err)
		h, uerr := e.state.UpdateHealth(ctx, d.Name, func(h *syncstate.Health) {
			h.Failures++
			h.LastError = run.Error
			if !cred && h.Failures < e.quarantineAfter {
				return
			}
			if !h.Quarantined {
				h.Quarantined, h.Since, h.Level = true, now, 0
			}
			h.Level++
			h.Until = now.Add(QuarantineBackoff(h.Level))
			if cred {
				h.Reason = "the source refused the credentials: " + run.Error
			} else {
				h.Reason = fmt.Sprintf("%d failed runs in a row; the last: %s", h.Failures, run.Error)
			}
		})
		if uerr != nil {
			e.log.Warn("record deployment health", "deployment", d.Name, "err", uerr)
			return
		}
		if h.Quarantined {
			e.metrics.SetQuarantined(d.Name, true)
			e.log.Error("deployment quarantined", "deployment", d.Name, "until", h.Until, "level", h.Level, "reason", h.Reason)
		}
	case syncstate.ResultSuccess, syncstate.ResultHeld, syncstate.ResultGuarded:
		h, herr := e.state.Health(ctx, d.Name)
		if herr != nil || h == (syncstate.Health{Deployment: d.Name}) {
			return
		}
		if _, err := e.state.UpdateHealth(ctx, d.Name, func(h *syncstate.Health) { *h = syncstate.Health{} }); err != nil {
			e.log.Warn("clear deployment health", "deployment", d.Name, "err", err)
			return
		}
		e.metrics.SetQuarantined(d.Name, false)
		if h.Quarantined {
			e.log.Info("quarantine ended: a run got through", "deployment", d.Name, "result", run.Result)
		}
	}
}

// Health returns a deployment's failure count and quarantine.
func (e *Engine) Health(ctx context.Context, name string) (syncstate.Health, error) {
	if _, err := e.Deployment(ctx, name); err != nil {
		return syncstate.Health{}, err
	}
	return e.state.Health(ctx, name)
}

// Calendar returns the configured calendar windows.
func (e *Engine) Calendar() []connectors.Window { return e.calendar }

// calendarGate applies the calendar to a run of d at now: a blackout
// window skips it, an additions-only window holds its removals, and the
// first run after a window measures the deletion limit against the claims
// d had when the window began. Entering a window is recorded, so that
// first run after it can be told apart.
func (e *Engine) calendarGate(ctx context.Context, d connectors.Deployment, now time.Time) (reconcile.Options, bool, string) {
	popts, w, in := e.calendarOptions(ctx, d, now)
	if !in {
		return popts, false, ""
	}
	rctx := context.WithoutCancel(ctx)
	if m, ok, err := e.state.WindowMark(rctx, d.Name); err == nil && (!ok || m.Window != w.Name) {
		base, cerr := e.claimCount(rctx, d)
		if cerr != nil {
			e.log.Warn("count claims at the start of a calendar window", "deployment", d.Name, "err", cerr)
		}
		if ok && m.Baseline > 0 {
			base = m.Baseline // back-to-back windows: keep the count from before the first
		}
		if err := e.state.PutWindowMark(rctx, syncstate.WindowMark{Deployment: d.Name, Window: w.Name, Kind: w.Kind, Ends: w.End, Baseline: base}); err != nil {
			e.log.Warn("record calendar window", "deployment", d.Name, "err", err)
		}
	}
	if w.Kind == connectors.WindowBlackout {
		return popts, true, fmt.Sprintf("calendar window %q (blackout) until %s", w.Name, w.End.UTC().Format(time.RFC3339))
	}
	return popts, false, ""
}

// calendarOptions is the plan options the calendar gives a run of d at
// now, the window d is in, and whether it is in one. It writes nothing.
func (e *Engine) calendarOptions(ctx context.Context, d connectors.Deployment, now time.Time) (reconcile.Options, connectors.Window, bool) {
	var popts reconcile.Options
	if w, ok := connectors.ActiveWindow(e.calendar, &d, now); ok {
		if w.Kind == connectors.WindowAdditionsOnly {
			popts.HoldRemovals = true
			popts.HoldReason = fmt.Sprintf("calendar window %q (additions-only) until %s", w.Name, w.End.UTC().Format(time.DateOnly))
		}
		return popts, w, true
	}
	if m, ok, err := e.state.WindowMark(ctx, d.Name); err == nil && ok && !now.Before(m.Ends) {
		popts.Baseline = m.Baseline
	}
	return popts, connectors.Window{}, false
}

// windowDone forgets the calendar window once the first run after it has
// got through.
func (e *Engine) windowDone(ctx context.Context, d connectors.Deployment, popts reconcile.Options) {
	if popts.Baseline == 0 {
		return
	}
	if err := e.state.ClearWindowMark(ctx, d.Name); err != nil {
		e.log.Warn("clear calendar window mark", "deployment", d.Name, "err", err)
		return
	}
	e.log.Info("first sync after a calendar window: full resync compared with the claims before the window", "deployment", d.Name, "baseline", popts.Baseline)
}

func (e *Engine) claimCount(ctx context.Context, d connectors.Deployment) (int, error) {
	n := 0
	err := e.store.SourceClaims(ctx, d.License, d.Source(), func(string, *license.Claim, bool) error {
		n++
		return nil
	})
	return n, err
}
