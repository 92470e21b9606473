// Package quotatest owns what a connector's test needs to show that its
// reads stay within a vendor's quota without a fake that counts one: a
// clock whose Sleep only moves Now (for the limiter, apart from the
// clock the retries record), and a RoundTripper that stamps every request
// with that clock so the busiest window can be counted afterwards.
package quotatest

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Clock never waits: Sleep moves Now on by d. Safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at a fixed instant.
func NewClock() *Clock { return &Clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock on by d, unless ctx has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// Counter passes every request to Next (nil: http.DefaultTransport) and
// stamps those Count accepts (nil: all) with Clock's time.
type Counter struct {
	Next  http.RoundTripper
	Clock interface{ Now() time.Time }
	Count func(*http.Request) bool

	mu sync.Mutex
	at []time.Time
}

// RoundTrip implements http.RoundTripper.
func (c *Counter) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.Count == nil || c.Count(req) {
		c.mu.Lock()
		c.at = append(c.at, c.Clock.Now())
		c.mu.Unlock()
	}
	next := c.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

// Requests is how many requests were counted.
func (c *Counter) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.at)
}

// Busiest is the most requests counted in any window of length w,
// however aligned: the number a vendor's quota of that window sees at
// its worst.
func (c *Counter) Busiest(w time.Duration) int {
	c.mu.Lock()
	at := append([]time.Time(nil), c.at...)
	c.mu.Unlock()
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	best, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// Span is the time from the first counted request to the last.
func (c *Counter) Span() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.at) < 2 {
		return 0
	}
	lo, hi := c.at[0], c.at[0]
	for _, t := range c.at {
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	return hi.Sub(lo)
}

// Fetch reads sel through c and returns every person emitted as one
// line (external id, email, role, unit), sorted, so that two reads of
// one source compare equal.
func Fetch(ctx context.Context, c connectors.Connector, sel connectors.Selection) ([]string, error) {
	var out []string
	err := c.Fetch(ctx, sel, func(page []connectors.Person) error {
		for _, p := range page {
			out = append(out, fmt.Sprintf("%s|%s|%s|%s", p.ExternalID, p.Email, p.Role, p.OrgUnit))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
