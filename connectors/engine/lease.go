package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// Leaser is the part of a sync-state backend that lets several replicas
// (rollcall serve processes on one database) share the deployments: each
// run holds its deployment's lease, whose fencing token the store checks
// in every apply transaction. The PostgreSQL sync state has it; bbolt,
// which one process opens, does not, and then the engine takes no leases.
type Leaser interface {
	Acquire(ctx context.Context, deployment, holder string, ttl time.Duration) (pgstate.Lease, error)
	Renew(ctx context.Context, l pgstate.Lease, ttl time.Duration) (pgstate.Lease, error)
	Release(ctx context.Context, l pgstate.Lease) error
	Leases(ctx context.Context) ([]pgstate.Lease, error)
	UnfinishedOf(ctx context.Context, deployment string) ([]syncstate.Run, error)
}

// DefaultLeaseTTL is how long a lease lasts unless renewed. A scheduled
// deployment's lease lasts at most half its interval, so a replica that
// dies mid-run leaves a lease that expires before the next firing.
const (
	DefaultLeaseTTL = 30 * time.Second
	minLeaseTTL     = time.Second
)

// NewReplicaID names this process among the replicas: host name, process
// ID and a random part, so a restarted process (same host and, in a
// container, often the same PID) is a new holder.
func NewReplicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Replica returns this engine's replica ID; "" without leases.
func (e *Engine) Replica() string { return e.replica }

// leaseTTL is the lease time of a deployment's run.
func (e *Engine) leaseTTL(name string) time.Duration {
	ttl := e.ttl
	e.mu.Lock()
	s := e.sched
	e.mu.Unlock()
	if s != nil {
		if iv := s.Interval(name); iv > 0 && iv/2 < ttl {
			ttl = max(iv/2, minLeaseTTL)
		}
	}
	return ttl
}

// holdLease takes the deployment's lease for a run, when the sync state
// shares deployments among replicas; without leases it returns ctx as is.
// Another replica's lease gives an error that is both ErrRunning and a
// *pgstate.LeaseHeldError, and nothing is recorded: that replica runs it.
// On success the returned context carries the fence (checked by the
// store's apply transactions) and is cancelled if the lease is lost, so
// the run stops before its next batch; let must be called when the run
// is over (its record finished), and releases the lease.
func (e *Engine) holdLease(ctx context.Context, name string) (context.Context, func(), error) {
	if e.leaser == nil {
		return ctx, func() {}, nil
	}
	ttl := e.leaseTTL(name)
	l, err := e.leaser.Acquire(ctx, name, e.replica, ttl)
	if err != nil {
		if errors.Is(err, pgstate.ErrLeaseHeld) {
			e.log.Debug("deployment is run by another replica", "deployment", name, "err", err)
			return ctx, nil, fmt.Errorf("sync %s: %w: %w", name, ErrRunning, err)
		}
		return ctx, nil, fmt.Errorf("sync %s: %w", name, err)
	}
	e.metrics.SetLease(name, e.replica, true)
	e.log.Debug("lease acquired", "deployment", name, "replica", e.replica, "token", l.Token, "ttl", ttl)
	// A run the deployment's earlier holder left running was cut short:
	// that replica died or lost the lease. Record it as interrupted now,
	// before this replica's run begins.
	if runs, err := e.leaser.UnfinishedOf(context.WithoutCancel(ctx), name); err != nil {
		e.log.Error("find unfinished runs", "deployment", name, "err", err)
	} else {
		for _, r := range runs {
			e.interrupt(context.WithoutCancel(ctx), r)
		}
	}
	rctx, cancel := context.WithCancelCause(pgstate.WithFence(ctx, l.Fence()))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.renewLease(rctx, l, ttl, stop, cancel)
	}()
	let := func() {
		close(stop)
		<-done
		cancel(nil)
		if err := e.leaser.Release(context.WithoutCancel(ctx), l); err != nil {
			e.log.Warn("release lease", "deployment", name, "err", err)
		}
		e.metrics.SetLease(name, e.replica, false)
	}
	return rctx, let, nil
}

// renewLease renews l every ttl/3 until stop is closed. A lease lost (or
// not renewed before it expired, the database being out of reach)
// cancels the run with the reason.
func (e *Engine) renewLease(ctx context.Context, l pgstate.Lease, ttl time.Duration, stop <-chan struct{}, cancel context.CancelCauseFunc) {
	t := time.NewTicker(max(ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), ttl/3+time.Second)
		nl, err := e.leaser.Renew(rctx, l, ttl)
		rcancel()
		if err == nil {
			l = nl
			continue
		}
		if errors.Is(err, pgstate.ErrLeaseLost) || !time.Now().Before(l.Expires) {
			e.log.Error("lease lost: stopping the run", "deployment", l.Deployment, "replica", l.Holder, "token", l.Token, "err", err)
			cancel(fmt.Errorf("deployment %s: %w", l.Deployment, err))
			return
		}
		e.log.Warn("renew lease", "deployment", l.Deployment, "err", err)
	}
}

// LeaseCheck tells whether this replica can reach the database and read
// the leases (for /readyz); nil without leases.
func (e *Engine) LeaseCheck(ctx context.Context) error {
	if e.leaser == nil {
		return nil
	}
	_, err := e.leaser.Leases(ctx)
	return err
}

// waitHeld, after a scheduled run found the deployment leased by another
// replica, waits until that lease would expire (plus a little) and tries
// once more, so a dead replica's deployment is taken over at its lease's
// expiry rather than a whole interval later. The lease's expiry is on the
// database's clock; skew between it and this host only shifts the retry.
func (e *Engine) waitHeld(ctx context.Context, name, trigger string, held *pgstate.LeaseHeldError) {
	wait := time.Until(held.Expires) + 100*time.Millisecond
	if wait <= 0 || wait > e.leaseTTL(name)+200*time.Millisecond {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-e.halt:
		return
	case <-t.C:
	}
	if _, err := e.Run(ctx, name, trigger); err != nil && !errors.Is(err, ErrRunning) {
		e.log.Error("sync after lease expiry", "deployment", name, "err", err)
	}
}

// DefaultFollowEvery is how often a replica re-reads the run-time
// deployments, so one created, undeployed or removed through another
// replica is scheduled (or not) here too: a replica that dies is then
// replaced in every deployment's syncs, run-time ones included.
const DefaultFollowEvery = 15 * time.Second

// followDeployments, with leases, brings the schedule in step with the
// deployments in the shared sync state every e.follow until Stop.
func (e *Engine) followDeployments(ctx context.Context) {
	t := time.NewTicker(e.follow)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.halt:
			return
		case <-t.C:
		}
		e.syncSchedule(ctx)
	}
}

// syncSchedule schedules every deployment not undeploying that is not
// scheduled yet, and unschedules those gone or being undeployed.
func (e *Engine) syncSchedule(ctx context.Context) {
	e.mu.Lock()
	s := e.sched
	e.mu.Unlock()
	if s == nil {
		return
	}
	deps, err := e.Deployments(ctx)
	if err != nil {
		e.log.Warn("re-read deployments", "err", err)
		return
	}
	want := map[string]bool{}
	jobs := s.Jobs()
	for _, d := range deps {
		if d.Undeploying {
			continue
		}
		want[d.Name] = true
		if !slices.Contains(jobs, d.Name) {
			if err := e.scheduleIfStarted(d); err != nil {
				e.log.Debug("schedule deployment made by another replica", "deployment", d.Name, "err", err)
				continue
			}
			e.log.Info("deployment scheduled here too", "deployment", d.Name)
		}
	}
	for _, name := range jobs {
		if !want[name] {
			s.Remove(name)
			e.log.Info("deployment unscheduled: removed or undeployed elsewhere", "deployment", name)
		}
	}
}
