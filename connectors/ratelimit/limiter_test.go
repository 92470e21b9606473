package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

func TestQuotaValidate(t *testing.T) {
	cases := []struct {
		name string
		q    Quota
		ok   bool
	}{
		{"directory default", GoogleDirectory(), true},
		{"classroom default", GoogleClassroom(), true},
		{"clever default", Clever(), true},
		{"blackboard default", Blackboard(), true},
		{"no requests", Quota{Window: time.Minute}, false},
		{"negative requests", Quota{Requests: -1, Window: time.Minute}, false},
		{"no window", Quota{Requests: 10}, false},
		{"burst above requests", Quota{Requests: 10, Window: time.Second, Burst: 11}, false},
		{"negative burst", Quota{Requests: 10, Window: time.Second, Burst: -1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate(%+v) = %v, want ok=%v", tc.q, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrBadQuota) {
				t.Errorf("error %v is not ErrBadQuota", err)
			}
			if _, nerr := New(tc.q); (nerr == nil) != tc.ok {
				t.Errorf("New(%+v) = %v, want ok=%v", tc.q, nerr, tc.ok)
			}
		})
	}
}

// waits runs n Waits on a fake clock and returns the instant each one
// was let through.
func waits(t *testing.T, q Quota, n int) []time.Time {
	t.Helper()
	clock := connectortest.NewClock()
	l, err := New(q, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	at := make([]time.Time, n)
	for i := range at {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		at[i] = clock.Now()
	}
	return at
}

// The bucket never lets more than the quota through in any window,
// whatever the window's alignment, and spends close to all of it.
func TestLimiterKeepsEveryWindowUnderQuota(t *testing.T) {
	cases := []struct {
		name string
		q    Quota
		n    int
	}{
		{"directory", GoogleDirectory(), 3 * GoogleDirectoryPerMinute},
		{"clever", Clever(), 2*CleverPerMinute + 7},
		{"small burst", Quota{Requests: 60, Window: time.Minute, Burst: 5}, 250},
		{"burst of all but one", Quota{Requests: 20, Window: time.Second, Burst: 20}, 100},
		{"blackboard day", Blackboard(), 12000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := waits(t, tc.q, tc.n)
			// Sliding window: for each request, count those that
			// left in [at[i], at[i]+Window).
			j := 0
			for i := range at {
				for j < len(at) && at[j].Sub(at[i]) < tc.q.Window {
					j++
				}
				if in := j - i; in > tc.q.Requests {
					t.Fatalf("%d requests in the window starting at request %d, quota %d", in, i, tc.q.Requests)
				}
			}
			// And not far under it: n requests take about
			// (n-burst)/rate; allow one request's worth of slack.
			b := tc.q.burst()
			rate := float64(tc.q.Requests-b) / tc.q.Window.Seconds()
			want := time.Duration(float64(tc.n-b) / rate * float64(time.Second))
			got := at[len(at)-1].Sub(at[0])
			slack := time.Duration(float64(time.Second)/rate) + time.Millisecond
			if got < want-slack || got > want+slack {
				t.Errorf("%d requests took %s, want %s ± %s", tc.n, got, want, slack)
			}
		})
	}
}

func TestLimiterBurstLeavesAtOnce(t *testing.T) {
	q := Quota{Requests: 100, Window: time.Minute, Burst: 7}
	at := waits(t, q, 8)
	for i := 1; i < 7; i++ {
		if !at[i].Equal(at[0]) {
			t.Fatalf("request %d of the burst waited %s", i, at[i].Sub(at[0]))
		}
	}
	if !at[7].After(at[0]) {
		t.Fatal("the request after the burst did not wait")
	}
}

// A cancelled wait gives its token back: the next caller waits no longer
// than if the cancelled one had never asked.
func TestLimiterCancelReturnsToken(t *testing.T) {
	q := Quota{Requests: 61, Window: time.Minute, Burst: 1} // one a second
	clock := connectortest.NewClock()
	l, err := New(q, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context = %v", err)
	}
	start := clock.Now()
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := clock.Now().Sub(start); d > time.Second {
		t.Errorf("waited %s after a cancelled wait, want at most 1s", d)
	}
}

func TestQuotaShare(t *testing.T) {
	cases := []struct {
		q       Quota
		percent int
		want    int
	}{
		{GoogleDirectory(), 100, 2400},
		{GoogleDirectory(), 90, 2160},
		{Quota{Requests: 3, Window: time.Second}, 10, 1},
		{Quota{Requests: 50, Window: time.Second, Burst: 40}, 50, 25},
	}
	for _, tc := range cases {
		got := tc.q.Share(tc.percent)
		if got.Requests != tc.want {
			t.Errorf("%+v.Share(%d) = %d requests, want %d", tc.q, tc.percent, got.Requests, tc.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%+v.Share(%d) = %+v: %v", tc.q, tc.percent, got, err)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Requests Skip accepts spend no token; the rest wait their turn.
func TestTransportSkipsAndPaces(t *testing.T) {
	clock := connectortest.NewClock()
	l, err := New(Quota{Requests: 2, Window: time.Minute, Burst: 1}, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	tr := &Transport{
		Limiter: l,
		Skip:    func(r *http.Request) bool { return r.URL.Path == "/token" },
		Next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			sent++
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
		}),
	}
	do := func(path string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://example.invalid"+path, nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	do("/users")
	for range 5 {
		do("/token")
	}
	if len(clock.Slept()) != 0 {
		t.Fatalf("skipped requests waited: %v", clock.Slept())
	}
	do("/users")
	if s := clock.Slept(); len(s) != 1 || s[0] < 59*time.Second {
		t.Errorf("second paced request slept %v, want one wait of about a minute", s)
	}
	if sent != 7 {
		t.Errorf("%d requests reached the next transport, want 7", sent)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.invalid/users", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v, want context.Canceled", err)
	}
	if sent != 7 {
		t.Errorf("a cancelled request reached the next transport")
	}
}

// backClock hands out instants that run back every other call, as
// goroutines that read the clock and then reserve in another order see.
type backClock struct {
	mu    sync.Mutex
	now   time.Time
	calls int
}

func (c *backClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.calls%2 == 0 {
		return c.now.Add(-30 * time.Second)
	}
	return c.now
}

func (c *backClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// An instant earlier than the last one reserved at grants nothing again:
// the bucket still lets at most the quota through in the real minute.
func TestLimiterTimeNeverRunsBack(t *testing.T) {
	clock := &backClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	q := Quota{Requests: 60, Window: time.Minute, Burst: 1}
	l, err := New(q, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	start := clock.now
	for range 121 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 121 requests at 59 a minute after a burst of 1 need two minutes.
	if got := clock.now.Sub(start); got < 2*time.Minute {
		t.Errorf("121 requests went through in %s; the quota allows no fewer than 2m", got)
	}
}
