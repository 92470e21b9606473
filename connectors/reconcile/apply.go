package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// ErrStale: a pending plan no longer matches the store (the deployment's
// claims moved since it was planned). Nothing was changed; plan again.
var ErrStale = errors.New("plan is stale: the deployment's claims changed since it was planned")

// DefaultBatchSize is how many changes Apply writes per store transaction
// when ApplyOptions.BatchSize is zero.
const DefaultBatchSize = 10000

// ScatteredBatchSize bounds the batches of changes spread over a license
// that already has claims: removals, updates, leavers, restores, and adds
// when they are fewer than the claims. A store transaction's memory grows
// with the pages it touches, and scattered changes touch a page or more
// each in every index: 10,000 of them in a million-member bbolt store held
// about 400 MB (BenchmarkDirectoryChurn's anon-MB at 1M), where adds in
// email order into a first sync share their pages. Batches of adds that
// outnumber the claims keep BatchSize.
const ScatteredBatchSize = 1000

// ApplyOptions say who applies a plan and how.
type ApplyOptions struct {
	// Actor is recorded in the audit events; empty: the plan's source.
	Actor string
	// BatchSize bounds the changes per store transaction; zero: DefaultBatchSize.
	BatchSize int
	// Now stamps claims and events; zero: the store's clock.
	Now time.Time
	// Progress, when set, is called after every committed batch with the
	// totals so far, so a caller can show (and record) what is committed.
	Progress func(license.ApplyResult)
}

// Result counts what Apply or Approve wrote, as the store reported it.
type Result struct {
	license.ApplyResult
	// Held is the number of removals not applied because the plan is held.
	Held int `json:"held"`
	// HeldUpdates is the number of updates held by the update-storm guard.
	HeldUpdates int `json:"held_updates,omitempty"`
}

// Apply writes a plan: removals first (unless the plan is held), then
// updates, then adds, in batches of opts.BatchSize. Adds go in the order the
// store fills seats (teachers, other, students), so the batches fill seats
// as one call would; what the store could not fit is in Result.Overflow.
//
// Applying the same plan twice equals applying it once: the store writes
// nothing for an upsert equal to what it holds or a remove of an absent
// claim. A crash between batches leaves earlier batches applied; the next
// sync plans the rest.
//
// For a held plan, Apply records the basis of the source's claims after
// its writes, which Pending then carries, so approving compares the store
// with what Apply left rather than with what Build read.
func Apply(ctx context.Context, s license.Store, p *Plan, opts ApplyOptions) (Result, error) {
	var res Result
	if p == nil {
		return res, errors.New("apply: no plan")
	}
	// One stream, removals then updates then adds in seat order, cut into
	// batches: the store orders each batch the same way, so small plans
	// commit once and large ones fill seats as a single call would.
	removes, updates := p.Removes, p.Updates
	if p.Held {
		res.Held, removes = len(p.Removes), nil
	}
	if p.HeldUpdates {
		res.HeldUpdates, updates = len(p.Updates), nil
	}
	nr, nu, nl, ns := len(removes), len(updates), len(p.Leaving), len(p.Restores)
	w := newWriter(s, p, opts)
	adds, err := p.seatStream()
	if err != nil {
		return res, fmt.Errorf("apply plan of deployment %s: %w", p.Deployment, err)
	}
	scattered, dense := w.scattered(), w.opts.BatchSize
	if p.addCount() < p.Counts.Current {
		dense = scattered
	}
	limit := func(i int) int {
		if i < nr+nu+nl+ns {
			return scattered
		}
		return dense
	}
	err = w.run(ctx, nr+nu+nl+ns+p.addCount(), limit, func(i int) (license.Change, error) {
		switch {
		case i < nr:
			return w.remove(&removes[i]), nil
		case i < nr+nu:
			return w.upsert(&updates[i-nr].Person), nil
		case i < nr+nu+nl:
			return w.leave(&p.Leaving[i-nr-nu]), nil
		case i < nr+nu+nl+ns:
			return w.upsert(&p.Restores[i-nr-nu-nl]), nil
		}
		a, err := adds()
		if err != nil {
			return license.Change{}, err
		}
		return w.upsert(a), nil
	})
	if err != nil {
		return w.result(res), err
	}
	res = w.result(res)
	if p.holds() {
		p.pendingBasis = p.Basis
		if res.Changed() {
			b, err := Basis(ctx, s, p.License, p.Source)
			if err != nil {
				return res, fmt.Errorf("apply plan of deployment %s: record basis for the held removals: %w", p.Deployment, err)
			}
			p.pendingBasis = b
		}
	}
	return res, nil
}

// Pending returns the held removals as a plan of their own, to be stored
// until an admin approves (Approve) or rejects it; nil when nothing is
// held. Call it after Apply: its Basis is then the state Apply left.
func (p *Plan) Pending() *Plan {
	if !p.holds() {
		return nil
	}
	basis := p.pendingBasis
	if basis == "" {
		basis = p.Basis
	}
	q := &Plan{
		Deployment:   p.Deployment,
		License:      p.License,
		Source:       p.Source,
		Created:      p.Created,
		SnapshotHash: p.SnapshotHash,
		Basis:        basis,
		Counts: Counts{
			Desired: p.Counts.Desired,
			Current: p.Counts.Current,
		},
		Mode: p.Mode,
	}
	if p.Held {
		q.Held, q.Removes, q.Counts.Removes = true, slices.Clone(p.Removes), len(p.Removes)
	}
	if p.HeldUpdates {
		q.HeldUpdates, q.Updates, q.Counts.Updates = true, slices.Clone(p.Updates), len(p.Updates)
	}
	for _, g := range p.Guards {
		if g.Name == GuardDeletionLimit || g.Name == GuardUpdateStorm || g.Name == GuardCalendar {
			q.Guards = append(q.Guards, g)
		}
	}
	q.fillNil()
	return q
}

// Approve applies the removals of a pending plan (see Pending) if the
// deployment's claims are still exactly what they were when it was made.
// If they moved, it returns an error wrapping ErrStale and changes nothing:
// the caller plans again from a fresh read of the source.
func Approve(ctx context.Context, s license.Store, pending *Plan, opts ApplyOptions) (Result, error) {
	if pending == nil {
		return Result{}, errors.New("approve: no plan")
	}
	if len(pending.Adds) > 0 || (len(pending.Updates) > 0 && !pending.HeldUpdates) {
		return Result{}, fmt.Errorf("approve plan of deployment %s: not a pending plan (it has %d adds and %d updates; pending plans hold removals and storm-held updates only)",
			pending.Deployment, len(pending.Adds), len(pending.Updates))
	}
	basis, err := Basis(ctx, s, pending.License, pending.Source)
	if err != nil {
		return Result{}, fmt.Errorf("approve plan of deployment %s: %w", pending.Deployment, err)
	}
	if basis != pending.Basis {
		return Result{}, fmt.Errorf("approve %d removals of deployment %s from license %s (planned %s): %w",
			len(pending.Removes), pending.Deployment, pending.License, pending.Created.Format(time.RFC3339), ErrStale)
	}
	w := newWriter(s, pending, opts)
	rm, up := pending.Removes, pending.Updates
	scattered := w.scattered()
	err = w.run(ctx, len(rm)+len(up), func(int) int { return scattered }, func(i int) (license.Change, error) {
		if i < len(rm) {
			return w.remove(&rm[i]), nil
		}
		return w.upsert(&up[i-len(rm)].Person), nil
	})
	return w.result(Result{}), err
}

// seatStream returns the plan's adds one at a time in seat order (see
// seatOrder), read back from a spilled snapshot one rank at a time.
func (p *Plan) seatStream() (func() (*Person, error), error) {
	if p.spilled == nil {
		order := seatOrder(p.addRanks(), nil)
		i := 0
		return func() (*Person, error) {
			if i >= len(order) {
				return nil, errors.New("the plan has fewer adds than it counts")
			}
			i++
			return &p.Adds[order[i-1]], nil
		}, nil
	}
	return newSeatIter(p.spilled).next, nil
}

// holds reports whether Apply leaves changes for a pending plan.
func (p *Plan) holds() bool {
	return (p.Held && len(p.Removes) > 0) || (p.HeldUpdates && len(p.Updates) > 0)
}

// writer sends changes of one plan to the store in bounded batches,
// reusing one buffer.
type writer struct {
	s        license.Store
	p        *Plan
	opts     license.ApplyOptions
	bufs     [2][]license.Change
	res      license.ApplyResult
	progress func(license.ApplyResult)
}

func newWriter(s license.Store, p *Plan, opts ApplyOptions) *writer {
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	actor := opts.Actor
	if actor == "" {
		actor = string(p.Source)
	}
	return &writer{
		s:        s,
		p:        p,
		opts:     license.ApplyOptions{Actor: actor, Now: opts.Now, BatchSize: size},
		bufs:     [2][]license.Change{make([]license.Change, 0, min(size, 1024)), make([]license.Change, 0, min(size, 1024))},
		progress: opts.Progress,
	}
}

// scattered is the batch size for changes spread over existing claims.
func (w *writer) scattered() int { return min(w.opts.BatchSize, ScatteredBatchSize) }

func (w *writer) result(r Result) Result {
	r.ApplyResult = w.res
	return r
}

func (w *writer) upsert(a *Person) license.Change {
	return license.Change{
		Op: license.OpUpsert, Email: a.Email, Source: w.p.Source,
		Name: a.Name, Role: a.Role, OrgUnit: a.OrgUnit, ExternalID: a.ExternalID, Attrs: a.Attrs,
	}
}

// leave marks a claim leaving until the plan's date: the claim as it is,
// with the date.
func (w *writer) leave(a *Person) license.Change {
	c := w.upsert(a)
	c.Leaving, c.LeavingRevokes = w.p.LeavingUntil, w.p.LeavingRevokes
	return c
}

func (w *writer) remove(r *Person) license.Change {
	return license.Change{Op: license.OpRemove, Email: r.Email, Source: w.p.Source}
}

// run writes n changes, made by change(i) for i from 0 up, in batches of
// at most limit(i) changes (the limit of the change that would be added).
//
// The next batch is made while the store writes the one before: reading a
// spilled plan's adds back and building their changes then overlaps the
// store's commit instead of waiting for it. Batches still go to the store
// one at a time, in order.
func (w *writer) run(ctx context.Context, n int, limit func(i int) int, change func(i int) (license.Change, error)) error {
	type batch struct {
		lo, hi int
		buf    []license.Change
		err    error
	}
	// Unbuffered, with two buffers: the producer fills one while the
	// store writes the other, and cannot reuse a buffer before the store
	// is done with it (it hands over the next batch only then).
	next := make(chan batch)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer close(next)
		for lo, k := 0, 0; lo < n; k ^= 1 {
			buf, hi := w.bufs[k][:0], lo
			var err error
			for hi < n && len(buf) < limit(hi) {
				var c license.Change
				if c, err = change(hi); err != nil {
					err = fmt.Errorf("apply plan of deployment %s: change %d of %d: %w", w.p.Deployment, hi+1, n, err)
					break
				}
				buf = append(buf, c)
				hi++
			}
			w.bufs[k] = buf
			select {
			case next <- batch{lo, hi, buf, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
			lo = hi
		}
	}()
	defer func() {
		close(stop)
		<-done
		clear(w.bufs[0][:cap(w.bufs[0])]) // let the batches' strings go
		clear(w.bufs[1][:cap(w.bufs[1])])
	}()
	nb := 0
	for b := range next {
		if b.err != nil {
			return b.err
		}
		nb++
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("apply plan of deployment %s: changes %d-%d of %d: %w", w.p.Deployment, b.lo+1, n, n, err)
		}
		r, err := w.s.Apply(ctx, w.p.License, b.buf, w.opts)
		if err != nil {
			return fmt.Errorf("apply plan of deployment %s to license %s: changes %d-%d of %d: %w", w.p.Deployment, w.p.License, b.lo+1, b.hi, n, err)
		}
		w.res.Add(r)
		if w.progress != nil {
			w.progress(w.res)
		}
		crashPoint("after-batch", nb)
	}
	return nil
}
