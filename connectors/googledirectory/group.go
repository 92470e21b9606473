package googledirectory

import (
	"context"
	"sync"

	"github.com/rollcall-sync/rollcall/connectors"
)

// read runs one Fetch's listings concurrently, at most limit at a time,
// and keeps the whole-snapshot-or-error contract: the first listing to
// fail cancels the others and its error is the read's; emit is called by
// one listing at a time and never after the read has failed.
type read struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	slots  chan struct{}
	wg     sync.WaitGroup

	mu   sync.Mutex // guards err and serialises emit
	err  error
	emit func([]connectors.Person) error
}

func newRead(ctx context.Context, limit int, emit func([]connectors.Person) error) *read {
	ctx, cancel := context.WithCancelCause(ctx)
	return &read{ctx: ctx, cancel: cancel, slots: make(chan struct{}, max(1, limit)), emit: emit}
}

// spawn starts f once a slot is free. It never blocks, so a running
// listing may spawn others without holding up its own slot.
func (r *read) spawn(f func(ctx context.Context) error) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case r.slots <- struct{}{}:
		case <-r.ctx.Done():
			r.fail(context.Cause(r.ctx))
			return
		}
		defer func() { <-r.slots }()
		if err := r.ctx.Err(); err != nil {
			r.fail(context.Cause(r.ctx))
			return
		}
		if err := f(r.ctx); err != nil {
			r.fail(err)
		}
	}()
}

// fail records the first error and cancels every other listing.
func (r *read) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
		r.cancel(err)
	}
}

// send passes a page to the caller's emit, one at a time; once the read
// has failed, pages are dropped and the failure returned.
func (r *read) send(page []connectors.Person) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if err := r.ctx.Err(); err != nil {
		return context.Cause(r.ctx)
	}
	if err := r.emit(page); err != nil {
		return emitError{err}
	}
	return nil
}

// wait waits for every listing and returns the first failure.
func (r *read) wait() error {
	r.wg.Wait()
	defer r.cancel(nil)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil && r.ctx.Err() != nil {
		r.err = context.Cause(r.ctx)
	}
	return r.err
}
