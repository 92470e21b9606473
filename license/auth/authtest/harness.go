package authtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// start is the suite's clock at the beginning of every test. It carries
// nanoseconds on purpose: stored times are cut to the microsecond, and
// expiry must fall on the same instant on every backend regardless.
func start() time.Time { return time.Date(2026, 9, 1, 8, 0, 0, 123456789, time.UTC) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: start()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one open storage, the Store on it and the clock both share.
type env struct {
	st    auth.Storage
	s     *auth.Store
	clock *clock
	once  sync.Once
}

// openEnv opens storage through open and a Store on it with clock c;
// the Store is closed at cleanup unless the test closed it first.
func openEnv(t *testing.T, open Opener, c *clock) *env {
	t.Helper()
	st := open(t)
	e := &env{st: st, s: auth.New(st, auth.Options{Now: c.Now}), clock: c}
	t.Cleanup(func() { e.close(t) })
	return e
}

func (e *env) close(t *testing.T) {
	t.Helper()
	e.once.Do(func() {
		if err := e.s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// stored is what a time becomes in storage: UTC, to the microsecond.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// sameToken compares tokens field by field, times by instant.
func sameToken(a, b auth.Token) bool {
	return a.ID == b.ID && a.Prefix == b.Prefix && a.Email == b.Email && a.Role == b.Role && a.Note == b.Note &&
		a.Created.Equal(b.Created) && a.Expires.Equal(b.Expires) && a.Revoked.Equal(b.Revoked)
}
