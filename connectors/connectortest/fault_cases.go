package connectortest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// Rate limits and server errors are retried, honoring the vendor's wait,
// and recover when they clear within the attempts; when they outlast the
// attempts, Fetch fails cleanly after exactly MaxAttempts-1 retries. A
// connector that waits rate limits out (Harness.WaitsOutRateLimits)
// instead recovers from a limit longer than its attempts, and fails only
// on one that outlasts its whole rate wait.
func testRetries(t *testing.T, h Harness) {
	if h.WaitsOutRateLimits {
		t.Run("rate limit longer than the attempts is waited out", func(t *testing.T) {
			f := open(t, h, 21, 120, 3, 20)
			n := f.MaxAttempts + 2
			wait := f.Faults.RateLimit(n)
			res, err := f.fetch(context.Background())
			if err != nil {
				t.Fatalf("Fetch failed on a rate limit of %d answers, which a connector that waits limits out must outlast: %v", n, err)
			}
			f.compare(t, res)
			if got := f.Upstream.Retries(metrics.ReasonRateLimit); got != n {
				t.Errorf("%d rate-limit retries (%v), want %d", got, f.Upstream.AllRetries(), n)
			}
			for _, d := range f.Clock.Slept() {
				if d < wait || d <= 0 {
					t.Errorf("slept %v: the vendor asked for at least %v before each retry", f.Clock.Slept(), wait)
					break
				}
			}
		})
		t.Run("rate limit outlasting the rate wait fails", func(t *testing.T) {
			f := open(t, h, 21, 120, 3, 20)
			f.Faults.RateLimit(1 << 20)
			_, err := f.fetch(context.Background())
			if err == nil {
				t.Fatal("Fetch succeeded though the rate limit never cleared")
			}
			if !errors.Is(err, connectors.ErrRateLimited) || !strings.Contains(err.Error(), f.Name) {
				t.Errorf("error %v: want connectors.ErrRateLimited naming %q", err, f.Name)
			}
			if got := f.Upstream.Retries(metrics.ReasonRateLimit); got <= f.MaxAttempts-1 {
				t.Errorf("%d rate-limit retries before giving up: a connector that waits limits out must go past its %d attempts", got, f.MaxAttempts)
			}
		})
	}
	cases := []struct {
		name    string
		outlast bool
		reason  string
		inject  func(f *fixture, n int) time.Duration
	}{
		{"rate limit then success", false, metrics.ReasonRateLimit, func(f *fixture, n int) time.Duration { return f.Faults.RateLimit(n) }},
		{"server errors then success", false, metrics.ReasonServerError, func(f *fixture, n int) time.Duration { f.Faults.ServerErrors(n); return 0 }},
		{"rate limit outlasts retries", true, metrics.ReasonRateLimit, func(f *fixture, n int) time.Duration { return f.Faults.RateLimit(n) }},
		{"server errors outlast retries", true, metrics.ReasonServerError, func(f *fixture, n int) time.Duration { f.Faults.ServerErrors(n); return 0 }},
	}
	for _, tc := range cases {
		if h.WaitsOutRateLimits && tc.outlast && tc.reason == metrics.ReasonRateLimit {
			continue // the two cases above replace it
		}
		t.Run(tc.name, func(t *testing.T) {
			f := open(t, h, 21, 120, 3, 20)
			n := 2
			if tc.outlast {
				n = f.MaxAttempts
			}
			wait := tc.inject(f, n)
			res, err := f.fetch(context.Background())
			if tc.outlast {
				if err == nil {
					t.Fatalf("Fetch succeeded though the fault outlasted %d attempts", n)
				}
				t.Logf("error: %v", err)
				if !strings.Contains(err.Error(), f.Name) {
					t.Errorf("error %q does not name the connector %q", err, f.Name)
				}
				if got := f.Upstream.TotalRetries(); got != n-1 {
					t.Errorf("%d retries before giving up, want %d (%v)", got, n-1, f.Upstream.AllRetries())
				}
				if tc.reason == metrics.ReasonRateLimit && !errors.Is(err, connectors.ErrRateLimited) {
					t.Errorf("error %v is not connectors.ErrRateLimited", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch after %d transient faults: %v", n, err)
			}
			f.compare(t, res)
			if got := f.Upstream.Retries(tc.reason); got != n || f.Upstream.TotalRetries() != n {
				t.Errorf("retries %v, want %d with reason %s", f.Upstream.AllRetries(), n, tc.reason)
			}
			slept := f.Clock.Slept()
			if len(slept) < n {
				t.Errorf("slept %v: want a backoff before each of %d retries", slept, n)
			}
			honored := 0
			for _, d := range slept {
				if d >= wait && d > 0 {
					honored++
				}
			}
			if honored < n {
				t.Errorf("slept %v: the vendor asked for at least %v before each of %d retries", slept, wait, n)
			}
		})
	}
}

// A page that fails part way through paging fails the whole Fetch.
func testFailureMidPaging(t *testing.T, h Harness) {
	for _, retryable := range []bool{false, true} {
		name := "permanent"
		if retryable {
			name = "retryable"
		}
		t.Run(name, func(t *testing.T) {
			f := open(t, h, 31, 300, 3, 10)
			f.Faults.FailOnPage(3, retryable)
			res, err := f.fetch(context.Background())
			if err == nil {
				t.Fatalf("Fetch returned nil though page 3 failed (%d people emitted)", len(res.people))
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), f.Name) {
				t.Errorf("error %q does not name the connector %q", err, f.Name)
			}
			want := 0
			if retryable {
				want = f.MaxAttempts - 1
			}
			if got := f.Upstream.TotalRetries(); got != want {
				t.Errorf("%d retries (%v), want %d", got, f.Upstream.AllRetries(), want)
			}
		})
	}
}

// Refused credentials fail Fetch (and Check) at once with an error that
// names the connector and carries the vendor's words.
func testBadCredentials(t *testing.T, h Harness) {
	f := open(t, h, 41, 50, 2, 10)
	msg := f.Faults.BadCredentials()
	calls := []struct {
		name string
		run  func() error
	}{
		{"Fetch", func() error { _, err := f.fetch(context.Background()); return err }},
	}
	if c, ok := f.Connector.(connectors.Checker); ok {
		calls = append(calls, struct {
			name string
			run  func() error
		}{"Check", func() error { return c.Check(context.Background()) }})
	}
	for _, call := range calls {
		err := call.run()
		if err == nil {
			t.Fatalf("%s succeeded with refused credentials", call.name)
		}
		t.Logf("%s: %v", call.name, err)
		for _, w := range []string{f.Name, msg} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s error %q does not contain %q", call.name, err, w)
			}
		}
	}
	if n := f.Upstream.TotalRetries(); n != 0 {
		t.Errorf("%d retries of refused credentials (%v), want 0", n, f.Upstream.AllRetries())
	}
}

// A cancelled context ends Fetch with context.Canceled, between pages and
// in the middle of a slow request, and nothing is emitted after it.
func testCancellation(t *testing.T, h Harness) {
	t.Run("between pages", func(t *testing.T) {
		f := open(t, h, 51, 200, 2, 10)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pages, after := 0, 0
		err := f.Connector.Fetch(ctx, f.Selection, func([]connectors.Person) error {
			pages++
			if ctx.Err() != nil {
				after++
			}
			if pages == 2 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Fetch after cancel = %v, want context.Canceled", err)
		}
		if after > 0 {
			t.Errorf("%d pages emitted after the cancel", after)
		}
	})
	t.Run("during a slow page", func(t *testing.T) {
		if h.LocalSource {
			t.Skipf("%s reads a local file: no page is slow", h.Name)
		}
		f := open(t, h, 52, 200, 2, 10)
		f.Faults.SlowPages(time.Hour)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- f.Connector.Fetch(ctx, f.Selection, func([]connectors.Person) error { return nil }) }()
		// Cancel once a listing request is in flight: only a Fetch that
		// gives up on it returns before the test's own deadline.
		for f.Requests() == 0 {
			select {
			case err := <-done:
				t.Fatalf("Fetch returned %v before any listing request", err)
			case <-time.After(time.Millisecond):
			}
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Fetch cancelled mid-request = %v, want context.Canceled", err)
		}
	})
}
