package connectortest

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Recorder is a connectors.UpstreamObserver that keeps counts, for the
// harness to pass as OpenOptions.Upstream.
type Recorder struct {
	mu       sync.Mutex
	requests map[int]int
	retries  map[string]int
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{requests: map[int]int{}, retries: map[string]int{}}
}

// Request counts one request answered with code.
func (r *Recorder) Request(_ string, code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[code]++
}

// Retry counts one retry for reason.
func (r *Recorder) Retry(_, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries[reason]++
}

// Retries counts retries reported with reason.
func (r *Recorder) Retries(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.retries[reason]
}

// AllRetries returns the retry counts by reason.
func (r *Recorder) AllRetries() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.retries)
}

// TotalRetries counts every retry.
func (r *Recorder) TotalRetries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.retries {
		n += v
	}
	return n
}

// Requests counts requests answered with code; code 0 counts them all.
func (r *Recorder) Requests(code int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if code != 0 {
		return r.requests[code]
	}
	n := 0
	for _, v := range r.requests {
		n += v
	}
	return n
}

// Clock is a clock for a connector's retries that never waits: Sleep
// advances Now by d and records d, so tests of backoff run at once and can
// check how long the connector would have waited.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock returns a Clock at a fixed instant.
func NewClock() *Clock { return &Clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and advances the clock, or returns ctx's error.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Slept lists every sleep so far.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
