package httpretry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// script is a server that answers each request with the next step; past
// the last, with the last.
type script struct {
	mu     sync.Mutex
	steps  []step
	n      int
	bodies []string
}

type step struct {
	code       int
	retryAfter string
	truncate   bool // declare a longer body than is sent, then drop the connection
}

const okBody = `{"users":["ada","grace"]}`

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	st := s.steps[min(s.n, len(s.steps)-1)]
	s.n++
	s.bodies = append(s.bodies, string(b))
	s.mu.Unlock()
	if st.retryAfter != "" {
		w.Header().Set("Retry-After", st.retryAfter)
	}
	if st.truncate {
		w.Header().Set("Content-Length", strconv.Itoa(len(okBody)))
		w.WriteHeader(st.code)
		_, _ = io.WriteString(w, okBody[:5])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	w.WriteHeader(st.code)
	_, _ = io.WriteString(w, okBody)
}

func (s *script) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func TestTransport(t *testing.T) {
	cases := []struct {
		name     string
		steps    []step
		policy   httpretry.Retry
		wantCode int // 0: an error
		wantReqs map[int]int
		wantRetr map[string]int
		// wantSleeps are the waits with the largest jitter draw.
		wantSleeps []time.Duration
	}{
		{
			name:       "5xx then success",
			steps:      []step{{code: 503}, {code: 500}, {code: 200}},
			wantCode:   200,
			wantReqs:   map[int]int{503: 1, 500: 1, 200: 1},
			wantRetr:   map[string]int{metrics.ReasonServerError: 2},
			wantSleeps: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name:       "attempts bound",
			steps:      []step{{code: 429}},
			policy:     httpretry.Retry{MaxAttempts: 3},
			wantCode:   429,
			wantReqs:   map[int]int{429: 3},
			wantRetr:   map[string]int{metrics.ReasonRateLimit: 2},
			wantSleeps: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name:       "Retry-After longer than backoff",
			steps:      []step{{code: 429, retryAfter: "7"}, {code: 200}},
			wantCode:   200,
			wantReqs:   map[int]int{429: 1, 200: 1},
			wantRetr:   map[string]int{metrics.ReasonRateLimit: 1},
			wantSleeps: []time.Duration{7 * time.Second},
		},
		{
			// 10s is within 15s; a second 10s would end at 20s.
			name:       "elapsed bound",
			steps:      []step{{code: 503, retryAfter: "10"}},
			policy:     httpretry.Retry{MaxElapsed: 15 * time.Second},
			wantCode:   503,
			wantReqs:   map[int]int{503: 2},
			wantRetr:   map[string]int{metrics.ReasonServerError: 1},
			wantSleeps: []time.Duration{10 * time.Second},
		},
		{
			name:       "truncated body retried",
			steps:      []step{{code: 200, truncate: true}, {code: 200}},
			wantCode:   200,
			wantReqs:   map[int]int{0: 1, 200: 1},
			wantRetr:   map[string]int{metrics.ReasonNetwork: 1},
			wantSleeps: []time.Duration{500 * time.Millisecond},
		},
		{
			name:       "truncated to the end",
			steps:      []step{{code: 200, truncate: true}},
			policy:     httpretry.Retry{MaxAttempts: 2},
			wantReqs:   map[int]int{0: 2},
			wantRetr:   map[string]int{metrics.ReasonNetwork: 1},
			wantSleeps: []time.Duration{500 * time.Millisecond},
		},
		{
			name:     "not worth retrying",
			steps:    []step{{code: 404}, {code: 200}},
			wantCode: 404,
			wantReqs: map[int]int{404: 1},
			wantRetr: map[string]int{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(&script{steps: tc.steps})
			defer srv.Close()
			rec := connectortest.NewRecorder()
			clock := connectortest.NewClock()
			client := &http.Client{Transport: &httpretry.Transport{
				Next: srv.Client().Transport, Policy: tc.policy, Classify: httpretry.Standard,
				Clock: clock, Jitter: func(n int64) int64 { return n - 1 }, Observer: rec, Name: "sis",
			}}
			resp, err := client.Get(srv.URL + "/users")
			if tc.wantCode == 0 {
				if err == nil {
					t.Fatalf("got %d, want an error", resp.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.wantCode || string(body) != okBody {
					t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantCode, okBody)
				}
			}
			total := 0
			for code, n := range tc.wantReqs {
				total += n
				if got := rec.Requests(code); code != 0 && got != n {
					t.Errorf("%d requests answered %d, want %d", got, code, n)
				}
			}
			if got := rec.Requests(0); got != total {
				t.Errorf("%d requests in all, want %d", got, total)
			}
			if got := rec.AllRetries(); len(got) != len(tc.wantRetr) || !equalCounts(got, tc.wantRetr) {
				t.Errorf("retries %v, want %v", got, tc.wantRetr)
			}
			if got := clock.Slept(); !equalDurations(got, tc.wantSleeps) {
				t.Errorf("slept %v, want %v", got, tc.wantSleeps)
			}
		})
	}
}

// A body is sent again on each attempt when it can be (GetBody), and a
// request whose body cannot be replayed is sent once.
func TestTransportRequestBody(t *testing.T) {
	cases := []struct {
		name      string
		body      func() io.Reader
		wantSends int
	}{
		{"replayable", func() io.Reader { return strings.NewReader("q=1") }, 3},
		{"one-shot", func() io.Reader { return io.MultiReader(strings.NewReader("q=1")) }, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{steps: []step{{code: 502}}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			rt := &httpretry.Transport{Next: srv.Client().Transport, Policy: httpretry.Retry{MaxAttempts: 3},
				Clock: connectortest.NewClock()}
			req, err := http.NewRequest(http.MethodPost, srv.URL, tc.body())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			sent := s.sent()
			if len(sent) != tc.wantSends {
				t.Fatalf("sent %d times, want %d", len(sent), tc.wantSends)
			}
			for i, b := range sent {
				if b != "q=1" {
					t.Errorf("attempt %d sent body %q, want q=1", i+1, b)
				}
			}
		})
	}
}

// A request whose context ends is not tried again, and an attempt that
// failed because of it returns the context's error.
func TestTransportContext(t *testing.T) {
	srv := httptest.NewServer(&script{steps: []step{{code: 503}}})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := connectortest.NewRecorder()
	rt := &httpretry.Transport{Next: srv.Client().Transport, Observer: rec, Clock: connectortest.NewClock(),
		Classify: func(resp *http.Response, err error, now time.Time) (bool, string, time.Duration) {
			cancel() // the sync was stopped while this answer came in
			return httpretry.Standard(resp, err, now)
		}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || rec.Requests(0) != 1 || rec.TotalRetries() != 0 {
		t.Errorf("got %d after %d requests and %d retries, want the one 503", resp.StatusCode, rec.Requests(0), rec.TotalRetries())
	}

	resp, err = rt.RoundTrip(req) // ctx already ended: the dial fails
	if !errors.Is(err, context.Canceled) {
		t.Errorf("RoundTrip with an ended context = %v, %v; want context.Canceled", resp, err)
	}
}

func TestStandard(t *testing.T) {
	cases := []struct {
		name       string
		code       int
		err        error
		retryAfter string
		retry      bool
		reason     string
		wait       time.Duration
	}{
		{"network", 0, errors.New("connection reset"), "", true, metrics.ReasonNetwork, 0},
		{"429", 429, nil, "3", true, metrics.ReasonRateLimit, 3 * time.Second},
		{"500", 500, nil, "", true, metrics.ReasonServerError, 0},
		{"504 with wait", 504, nil, "2", true, metrics.ReasonServerError, 2 * time.Second},
		{"403", 403, nil, "3", false, "", 0},
		{"404", 404, nil, "", false, "", 0},
		{"200", 200, nil, "", false, "", 0},
	}
	for _, tc := range cases {
		var resp *http.Response
		if tc.err == nil {
			resp = &http.Response{StatusCode: tc.code, Header: http.Header{}, Body: http.NoBody}
			if tc.retryAfter != "" {
				resp.Header.Set("Retry-After", tc.retryAfter)
			}
		}
		retry, reason, wait := httpretry.Standard(resp, tc.err, time.Now())
		if retry != tc.retry || reason != tc.reason || wait != tc.wait {
			t.Errorf("%s: Standard = %v %q %s, want %v %q %s", tc.name, retry, reason, wait, tc.retry, tc.reason, tc.wait)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
