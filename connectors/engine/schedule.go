package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/schedule"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

type scheduler = *schedule.Scheduler

// Start schedules every deployment and starts the scheduler. A deployment
// whose last success is older than its interval (downtime) runs once right
// away. Start returns an error naming the deployment with a bad schedule.
func (e *Engine) Start(ctx context.Context) error {
	deps, err := e.Deployments(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.base = ctx
	e.mu.Unlock()
	// Runs a killed process left unfinished become interrupted runs now,
	// before anything runs again.
	e.recoverRuns(ctx, "")
	s := schedule.New(schedule.Options{
		Logger: e.log,
		Jitter: e.jitter,
		OnSkip: func(job string) {
			if d, err := e.Deployment(context.WithoutCancel(ctx), job); err == nil {
				e.recordSkipped(ctx, d, TriggerSchedule, "a run of this deployment was still in progress")
			}
		},
		LastSuccess: func(job string) (time.Time, bool) {
			r, ok, err := e.state.LastSuccess(context.WithoutCancel(ctx), job)
			if err != nil || !ok {
				return time.Time{}, false
			}
			return r.Ended, true
		},
	})
	for _, d := range deps {
		if d.Undeploying {
			continue // waits for its removal to be approved
		}
		// Every series exists from the start, so the first failure is a
		// change Prometheus can see.
		e.metrics.InitDeployment(d.Name, d.Connector)
		if err := e.schedule(s, d); err != nil {
			return err
		}
		e.refreshGauges(ctx, d)
	}
	if err := e.RefreshLicenseGauges(ctx); err != nil {
		e.log.Warn("license gauges", "err", err)
	}
	e.mu.Lock()
	e.sched = s
	e.mu.Unlock()
	s.Start(ctx)
	if e.leaser != nil {
		go e.followDeployments(ctx)
	}
	return nil
}

func (e *Engine) schedule(s scheduler, d connectors.Deployment) error {
	spec := d.Schedule
	if spec == "" {
		spec = config.DefaultSchedule
	}
	name := d.Name
	err := s.Add(name, spec, d.TimeZone, func(ctx context.Context) error {
		trigger := schedule.TriggerFrom(ctx) // "startup" for a catch-up run
		if trigger == "" {
			trigger = TriggerSchedule
		}
		_, err := e.Run(ctx, name, trigger)
		if held := (*pgstate.LeaseHeldError)(nil); errors.As(err, &held) {
			// Another replica runs it; nothing is recorded here. Should
			// that replica have died, its lease expires before the next
			// firing: try once more then.
			e.waitHeld(ctx, name, trigger, held)
			return nil
		}
		if errors.Is(err, ErrRunning) {
			return nil // recorded as skipped by Run
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("schedule deployment %s: %w", name, err)
	}
	e.metrics.SetInterval(name, s.Interval(name))
	return nil
}

// Stop stops scheduling and waits, until ctx is done, for running syncs:
// each stops at its next batch boundary, so the store holds whole batches.
func (e *Engine) Stop(ctx context.Context) error {
	e.haltOnce.Do(func() { close(e.halt) })
	e.mu.Lock()
	s := e.sched
	e.mu.Unlock()
	var err error
	if s != nil {
		err = s.Stop(ctx)
	}
	done := make(chan struct{})
	go func() {
		e.detached.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = fmt.Errorf("stop: runs started from the API still going: %w", ctx.Err())
		}
	}
	return err
}

// Wait blocks until every run started with StartRun has ended (tests and
// the CLI use it; Stop waits too).
func (e *Engine) Wait() { e.detached.Wait() }

// Ready reports whether the scheduler is running.
func (e *Engine) Ready() bool {
	e.mu.Lock()
	s := e.sched
	e.mu.Unlock()
	return s != nil && s.Running()
}

// Next returns when a deployment runs next by schedule (zero if not scheduled).
func (e *Engine) Next(name string) time.Time {
	e.mu.Lock()
	s := e.sched
	e.mu.Unlock()
	if s == nil {
		return time.Time{}
	}
	return s.Next(name)
}
