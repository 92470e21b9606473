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
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// untilClock answers code with headers naming an instant by the fake
// clock (a Unix time, an HTTP date) once, then 200.
type untilClock struct {
	clock  *connectortest.Clock
	code   int
	header func(now time.Time) http.Header
	mu     sync.Mutex
	n      int
}

func (u *untilClock) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	u.mu.Lock()
	u.n++
	first := u.n == 1
	u.mu.Unlock()
	if first {
		for k, v := range u.header(u.clock.Now()) {
			w.Header()[k] = v
		}
		w.WriteHeader(u.code)
		return
	}
	_, _ = io.WriteString(w, okBody)
}

// The server's wait is read against the Transport's Clock, not the wall
// clock: on a clock set in 2030, a reset 40 s ahead of it is a wait of
// 40 s (read against the wall clock it was years ahead, and capped at a
// day), and an HTTP date 25 s ahead is 25 s.
func TestServerWaitReadByTheClock(t *testing.T) {
	cases := []struct {
		name   string
		code   int
		header func(now time.Time) http.Header
		want   time.Duration
	}{
		{"429 X-RateLimit-Reset Unix time", 429, func(now time.Time) http.Header {
			return http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Add(40*time.Second).Unix(), 10)}}
		}, 40 * time.Second},
		{"429 Retry-After HTTP date", 429, func(now time.Time) http.Header {
			return http.Header{"Retry-After": {now.Add(25 * time.Second).UTC().Format(http.TimeFormat)}}
		}, 25 * time.Second},
		{"503 Retry-After HTTP date", 503, func(now time.Time) http.Header {
			return http.Header{"Retry-After": {now.Add(25 * time.Second).UTC().Format(http.TimeFormat)}}
		}, 25 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := connectortest.NewClock()
			if d := time.Until(clock.Now()); d < 24*time.Hour {
				t.Fatalf("the fake clock is only %s ahead of the wall clock: the test cannot tell them apart", d)
			}
			srv := httptest.NewServer(&untilClock{clock: clock, code: tc.code, header: tc.header})
			defer srv.Close()
			client := &http.Client{Transport: &httpretry.Transport{Next: srv.Client().Transport,
				Policy: httpretry.Retry{RateWindow: time.Minute, MaxElapsed: time.Hour},
				Clock:  clock, Jitter: func(int64) int64 { return 0 }}}
			resp, err := client.Get(srv.URL + "/users")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			slept := clock.Slept()
			if resp.StatusCode != 200 || len(slept) != 1 || slept[0] != tc.want {
				t.Fatalf("answer %d after waits %v; want 200 after one wait of %s", resp.StatusCode, slept, tc.want)
			}
		})
	}
}

// stamps records when (by the fake clock) each request arrived, and
// answers 503 to the first fail of them.
type stamps struct {
	clock *connectortest.Clock
	fail  int
	mu    sync.Mutex
	at    []time.Time
}

func (s *stamps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if r.Method == http.MethodGet {
		s.at = append(s.at, s.clock.Now())
	}
	n := len(s.at)
	s.mu.Unlock()
	if r.Method == http.MethodGet && n <= s.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, okBody)
}

// maxIn is the most instants of at (in order) inside any window of length w.
func maxIn(at []time.Time, w time.Duration) int {
	best, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// With a Limiter every attempt waits for the quota: 40 calls stay within
// 10 a minute in every window, requests Unpaced accepts are not held, and
// pacing is not counted against max_elapsed (a retry paced 20 minutes
// later is still made under a 2-minute bound).
func TestTransportPaces(t *testing.T) {
	t.Run("within the quota", func(t *testing.T) {
		clock := connectortest.NewClock()
		lim, err := ratelimit.New(ratelimit.Quota{Requests: 10, Window: time.Minute, Burst: 2}, ratelimit.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		s := &stamps{clock: clock}
		srv := httptest.NewServer(s)
		defer srv.Close()
		client := &http.Client{Transport: &httpretry.Transport{Next: srv.Client().Transport, Clock: clock, Limiter: lim,
			Unpaced: func(r *http.Request) bool { return r.Method == http.MethodPost }}}
		for i := range 40 {
			resp, err := client.Get(srv.URL + "/users?page=" + strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		before := clock.Now()
		resp, err := client.Post(srv.URL+"/token", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := maxIn(s.at, time.Minute); got > 10 || len(s.at) != 40 {
			t.Errorf("%d requests, up to %d in one minute; want 40, at most 10", len(s.at), got)
		}
		if got := maxIn(s.at, time.Minute); got < 9 {
			t.Errorf("at most %d requests in a minute: paced far below the quota of 10", got)
		}
		if clock.Now() != before {
			t.Errorf("an unpaced request waited %s", clock.Now().Sub(before))
		}
	})
	t.Run("pacing is not elapsed time", func(t *testing.T) {
		clock := connectortest.NewClock()
		lim, err := ratelimit.New(ratelimit.Quota{Requests: 2, Window: 40 * time.Minute, Burst: 1}, ratelimit.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		s := &stamps{clock: clock, fail: 2}
		srv := httptest.NewServer(s)
		defer srv.Close()
		client := &http.Client{Transport: &httpretry.Transport{Next: srv.Client().Transport, Clock: clock, Limiter: lim,
			Policy: httpretry.Retry{MaxElapsed: 2 * time.Minute}, Jitter: func(int64) int64 { return 0 }}}
		resp, err := client.Get(srv.URL + "/users")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || len(s.at) != 3 {
			t.Fatalf("answer %d after %d attempts; want 200 after 3", resp.StatusCode, len(s.at))
		}
		if gap := s.at[1].Sub(s.at[0]); gap < 20*time.Minute {
			t.Errorf("the retry left %s after the first attempt; the quota allows one every 40 minutes", gap)
		}
	})
	t.Run("a stopped wait returns the context's error", func(t *testing.T) {
		clock := connectortest.NewClock()
		lim, err := ratelimit.New(ratelimit.Quota{Requests: 2, Window: time.Hour, Burst: 1}, ratelimit.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		s := &stamps{clock: clock}
		srv := httptest.NewServer(s)
		defer srv.Close()
		client := &http.Client{Transport: &httpretry.Transport{Next: srv.Client().Transport, Clock: clock, Limiter: lim}}
		resp, err := client.Get(srv.URL + "/users") // the burst
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/users", nil)
		if _, err := client.Do(req); err == nil || len(s.at) != 1 {
			t.Errorf("a cancelled call: error %v after %d requests; want an error and no request sent", err, len(s.at))
		}
	})
}
