package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// refreshGauges sets the per-deployment pending gauges and the license's
// seat gauges from what is stored, so they are right after a restart too.
func (e *Engine) refreshGauges(ctx context.Context, d connectors.Deployment) {
	pend, err := e.state.ListPending(ctx, d.Name, false)
	if err != nil {
		e.log.Warn("read pending plans", "deployment", d.Name, "err", err)
	} else {
		var oldest time.Time
		for _, p := range pend {
			if oldest.IsZero() || p.Created.Before(oldest) {
				oldest = p.Created
			}
		}
		e.metrics.SetPending(d.Name, len(pend), oldest)
	}
	// After a restart the success gauge must say when the last success
	// really was, or a stale-sync alert would stay quiet until the next run.
	if r, ok, err := e.state.LastSuccess(ctx, d.Name); err == nil && ok {
		e.metrics.Success(d.Name, r.Ended)
	}
	if h, err := e.state.Health(ctx, d.Name); err == nil {
		e.metrics.SetQuarantined(d.Name, h.Quarantined)
	}
	if l, err := e.store.GetLicense(ctx, d.License); err == nil {
		e.metrics.LicenseSeats(l.ID, l.Seats, l.Used)
	}
}

// RefreshLicenseGauges sets the seat gauges of every license.
func (e *Engine) RefreshLicenseGauges(ctx context.Context) error {
	ls, err := e.store.ListLicenses(ctx)
	if err != nil {
		return fmt.Errorf("list licenses: %w", err)
	}
	for _, l := range ls {
		e.metrics.LicenseSeats(l.ID, l.Seats, l.Used)
	}
	return nil
}

// updateLMS records the outcome on the license's LMS link when this
// deployment's connector is the license's primary LMS.
func (e *Engine) updateLMS(ctx context.Context, d connectors.Deployment, run syncstate.Run) {
	l, err := e.store.GetLicense(ctx, d.License)
	if err != nil || l.LMS.Connector == "" || l.LMS.Connector != d.Connector || run.Result == syncstate.ResultSkipped {
		return
	}
	_, err = e.store.UpdateLicense(ctx, l.ID, string(d.Source()), func(l *license.License) error {
		l.LMS.LastSync = run.Ended
		if run.Result == syncstate.ResultFailed {
			l.LMS.Status, l.LMS.LastError = license.LinkFailing, run.Error
		} else {
			l.LMS.Status, l.LMS.LastError = license.LinkOK, ""
		}
		return nil
	})
	if err != nil {
		e.log.Warn("update LMS status", "license", l.ID, "err", err)
	}
}
