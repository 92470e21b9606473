package httpretry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// quota answers 429 (with no Retry-After, as Google's per-minute quotas
// and many LMSes do) until the clock reaches reset, then 200.
type quota struct {
	mu     sync.Mutex
	clock  *connectortest.Clock
	reset  time.Time
	header string // X-RateLimit-Reset to send, if any
	n      int
}

func (q *quota) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	q.mu.Lock()
	q.n++
	q.mu.Unlock()
	if q.clock.Now().Before(q.reset) {
		if q.header != "" {
			w.Header().Set("X-RateLimit-Reset", q.header)
		}
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	_, _ = io.WriteString(w, okBody)
}

func TestRateLimitWindowWaitedOut(t *testing.T) {
	cases := []struct {
		name     string
		policy   httpretry.Retry
		window   time.Duration // the quota resets this long after the first call
		header   string
		deadline time.Duration // 0: none
		wantCode int
		// minWait and maxWait bound the total time slept.
		minWait, maxWait time.Duration
	}{
		// The failure: a minute-long quota with the plain policy
		// gives up after seconds of retries (15.5 s at most with 6 attempts).
		{name: "plain policy gives up", policy: httpretry.Retry{}, window: time.Minute, wantCode: 429, maxWait: 16 * time.Second},
		{name: "a minute's quota waited out", policy: httpretry.Retry{RateWindow: time.Minute}, window: time.Minute, wantCode: 200, minWait: time.Minute, maxWait: 2 * time.Minute},
		{name: "X-RateLimit-Reset as seconds", policy: httpretry.Retry{RateWindow: time.Minute}, window: 45 * time.Second, header: "45", wantCode: 200, minWait: 45 * time.Second, maxWait: 45 * time.Second},
		{name: "bounded by max_rate_wait", policy: httpretry.Retry{RateWindow: time.Minute, MaxRateWait: 3 * time.Minute}, window: time.Hour, wantCode: 429, minWait: 2 * time.Minute, maxWait: 3 * time.Minute},
		{name: "bounded by the run's deadline", policy: httpretry.Retry{RateWindow: time.Minute}, window: time.Hour, header: "600", deadline: 5 * time.Second, wantCode: 429, maxWait: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := connectortest.NewClock()
			q := &quota{clock: clock, reset: clock.Now().Add(tc.window), header: tc.header}
			srv := httptest.NewServer(q)
			defer srv.Close()
			rec := connectortest.NewRecorder()
			client := &http.Client{Transport: &httpretry.Transport{Next: srv.Client().Transport, Policy: tc.policy,
				Clock: clock, Jitter: func(n int64) int64 { return n - 1 }, Observer: rec, Name: "gdir"}}
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/users", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var slept time.Duration
			for _, d := range clock.Slept() {
				slept += d
			}
			if resp.StatusCode != tc.wantCode || slept < tc.minWait || slept > tc.maxWait {
				t.Fatalf("answer %d after %s of waits (%v); want %d after %s to %s", resp.StatusCode, slept, clock.Slept(), tc.wantCode, tc.minWait, tc.maxWait)
			}
			if tc.wantCode == 200 && rec.AllRetries()[metrics.ReasonRateLimit] == 0 {
				t.Error("rate-limit retries were not reported to the observer")
			}
		})
	}
}

func TestRateBackoffGrowsToTheWindow(t *testing.T) {
	r := httpretry.Retry{RateWindow: time.Minute}.WithDefaults()
	top := func(n int64) int64 { return n - 1 }
	low := func(int64) int64 { return 0 }
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if got := r.RateBackoff(i+1, top); got != w {
			t.Errorf("RateBackoff(%d) at the top of its jitter = %s, want %s", i+1, got, w)
		}
		if got := r.RateBackoff(i+1, low); got != w/2 {
			t.Errorf("RateBackoff(%d) at the bottom of its jitter = %s, want %s", i+1, got, w/2)
		}
	}
}

func TestRateLimitReset(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"30", 30 * time.Second}, {" 5 ", 5 * time.Second}, {"-4", 0}, {"later", 0},
		{strconv.FormatInt(now.Add(90*time.Second).Unix(), 10), 90 * time.Second},
		{strconv.FormatInt(now.Add(-time.Minute).Unix(), 10), 0},
		{strconv.FormatInt(now.Add(72*time.Hour).Unix(), 10), 24 * time.Hour},
		{"999999999", 24 * time.Hour},
	} {
		if got := httpretry.RateLimitReset(tc.in, now); got != tc.want {
			t.Errorf("RateLimitReset(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	h := http.Header{}
	h.Set("X-RateLimit-Reset", "20")
	if got := httpretry.ServerWait(h, now); got != 20*time.Second {
		t.Errorf("ServerWait(reset 20) = %s", got)
	}
	h.Set("Retry-After", "3")
	if got := httpretry.ServerWait(h, now); got != 3*time.Second {
		t.Errorf("ServerWait prefers Retry-After: got %s", got)
	}
}

func FuzzRateLimitReset(f *testing.F) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := httpretry.RateLimitReset(v, now); d < 0 || d > 24*time.Hour {
			t.Fatalf("RateLimitReset(%q) = %s, outside [0, 24h]", v, d)
		}
	})
}
