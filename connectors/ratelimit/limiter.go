package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Clock is the time a Limiter waits on: connectors/httpretry's Clock
// (and so connectortest.Clock) satisfies it.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Limiter paces requests to a Quota. It is safe for concurrent use; share
// one between every goroutine spending the same quota.
type Limiter struct {
	q     Quota
	lim   *rate.Limiter
	clock Clock

	mu   sync.Mutex
	last time.Time // latest instant reserved at: time never runs back
}

// Option adjusts a Limiter.
type Option func(*Limiter)

// WithClock makes the limiter read and wait on c instead of the wall clock.
func WithClock(c Clock) Option {
	return func(l *Limiter) {
		if c != nil {
			l.clock = c
		}
	}
}

// New builds a limiter for q. The bucket starts full.
func New(q Quota, opts ...Option) (*Limiter, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	b := q.burst()
	every := rate.Limit(float64(q.Requests-b) / q.Window.Seconds())
	if q.Requests == 1 {
		every = rate.Limit(1 / q.Window.Seconds())
	}
	l := &Limiter{q: q, lim: rate.NewLimiter(every, b), clock: wallClock{}}
	for _, o := range opts {
		o(l)
	}
	return l, nil
}

// Quota is what the limiter paces to.
func (l *Limiter) Quota() Quota { return l.q }

// Rate is the steady rate, in requests per second.
func (l *Limiter) Rate() float64 { return float64(l.lim.Limit()) }

// Burst is the bucket's size.
func (l *Limiter) Burst() int { return l.lim.Burst() }

// Wait blocks until one request may leave, or ctx ends (then the token is
// given back and ctx's error returned).
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// rate.Limiter takes an instant earlier than the one before as a
	// fresh start and grants the time between again; callers that read
	// the clock, then reserve in another order, would get more than the
	// quota. Reserve under a lock, at an instant that never goes back.
	l.mu.Lock()
	now := l.clock.Now()
	if now.Before(l.last) {
		now = l.last
	}
	l.last = now
	r := l.lim.ReserveN(now, 1)
	l.mu.Unlock()
	if !r.OK() {
		return fmt.Errorf("%w: a request can never fit in burst %d", ErrBadQuota, l.lim.Burst())
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := l.clock.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clock.Now())
		return err
	}
	return nil
}
