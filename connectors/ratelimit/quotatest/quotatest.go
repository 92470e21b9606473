// Package quotatest owns what a connector's test needs to show that its
// reads stay within a vendor's quota without a fake that counts one: a
// RoundTripper that stamps every request with the limiter's clock (a
// connectortest.Clock of its own, apart from the one the retries record),
// so the busiest window can be counted afterwards, and the check for
// vendors that pace nothing by default.
package quotatest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
)

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

// Read reads a source once with a connector opened at the given quota
// (0: the vendor's default) and returns who it read and the requests
// counted on the way.
type Read func(t *testing.T, quota int) ([]string, *Counter)

// CheckUnpacedByDefault is the test of a vendor that documents no request
// quota: by default nothing is paced (every request leaves at once on the
// limiter's clock), and with a cap of perWindow per window set the same
// read sends at most that many in any window and reads the same people.
// The read must take more than twice perWindow requests, or a cap could
// not show.
func CheckUnpacedByDefault(t *testing.T, perWindow int, window time.Duration, read Read) {
	t.Helper()
	unpaced, control := read(t, 0)
	if n := control.Requests(); n <= 2*perWindow {
		t.Fatalf("the read took %d requests: too few to run into a cap of %d", n, perWindow)
	}
	if got := control.Busiest(window); got <= perWindow || control.Span() != 0 {
		t.Errorf("default: %d requests in the busiest %s, over %s; want every one at once (not paced)", got, window, control.Span())
	}
	paced, counter := read(t, perWindow)
	if got := counter.Busiest(window); got > perWindow {
		t.Errorf("capped: %d requests in one %s, cap %d", got, window, perWindow)
	}
	t.Logf("capped: %d requests over %s", counter.Requests(), counter.Span())
	if len(paced) == 0 || !slices.Equal(paced, unpaced) {
		t.Errorf("capped read %d people, default %d: want the same, and some", len(paced), len(unpaced))
	}
}
