package httpretry_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
)

// seen records what a Transport reports, as connectors/metrics would.
type seen struct {
	mu       sync.Mutex
	requests []string
	retries  []string
}

func (s *seen) Request(connector string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, connector+" "+http.StatusText(code))
}

func (s *seen) Retry(connector, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries = append(s.retries, connector+" "+reason)
}

func TestBase(t *testing.T) {
	mine := &http.Transport{}
	for _, tc := range []struct {
		name   string
		caller *http.Client
		mine   bool
	}{
		{"no client", nil, false},
		{"client without transport", &http.Client{Timeout: time.Second}, false},
		{"client with transport", &http.Client{Transport: mine}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := httpretry.Base(tc.caller)
			if tc.mine {
				if got != mine {
					t.Fatalf("Base = %T %p, want the caller's transport %p", got, got, mine)
				}
				return
			}
			ht, ok := got.(*http.Transport)
			if !ok || ht == http.DefaultTransport {
				t.Fatalf("Base = %T %p, want a clone of http.DefaultTransport", got, got)
			}
			if ht.ResponseHeaderTimeout != httpretry.ResponseHeaderTimeout {
				t.Fatalf("ResponseHeaderTimeout = %s, want %s", ht.ResponseHeaderTimeout, httpretry.ResponseHeaderTimeout)
			}
		})
	}
}

// NewClient retries through the caller's transport, reports under the
// connector's name, keeps the caller's timeout and hands redirects back.
func TestNewClient(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.URL.Path]++
		n := calls[r.URL.Path]
		mu.Unlock()
		switch {
		case r.URL.Path == "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case n == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer srv.Close()
	obs := &seen{}
	caller := srv.Client()
	caller.Timeout = 7 * time.Second
	c := httpretry.NewClient(connectors.OpenOptions{Name: "lms-a", HTTPClient: caller, Upstream: obs},
		httpretry.Transport{Policy: httpretry.Retry{MaxAttempts: 3}, Clock: connectortest.NewClock(), Jitter: func(int64) int64 { return 0 }, Vendor: "Test"})
	if c.Timeout != caller.Timeout {
		t.Errorf("Timeout = %s, want the caller's %s", c.Timeout, caller.Timeout)
	}
	resp, err := c.Get(srv.URL + "/flaky")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 after one retry", resp.StatusCode)
	}
	resp, err = c.Get(srv.URL + "/moved")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || calls["/elsewhere"] != 0 {
		t.Fatalf("redirect: status %d, %d calls to its target; want 302 handed back, none", resp.StatusCode, calls["/elsewhere"])
	}
	wantReq := []string{"lms-a Service Unavailable", "lms-a OK", "lms-a Found"}
	if len(obs.requests) != len(wantReq) || len(obs.retries) != 1 || obs.retries[0][:6] != "lms-a " {
		t.Fatalf("observed requests %q, retries %q; want %q and one retry of lms-a", obs.requests, obs.retries, wantReq)
	}
	for i := range wantReq {
		if obs.requests[i] != wantReq[i] {
			t.Fatalf("observed requests %q, want %q", obs.requests, wantReq)
		}
	}
	if d := httpretry.Direct(nil); d.Timeout != 0 || d.CheckRedirect == nil || d.Transport == nil {
		t.Fatalf("Direct(nil) = %+v, want a default transport, no timeout, no redirects", d)
	}
}
