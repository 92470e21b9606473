package quotatest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// Busiest counts the worst window however it is aligned, and only the
// requests Count accepts.
func TestCounterBusiest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	clock := connectortest.NewClock()
	c := &Counter{Next: srv.Client().Transport, Clock: clock, Count: func(r *http.Request) bool { return r.Method == http.MethodGet }}
	client := &http.Client{Transport: c}
	// 3 at 0 s, 4 at 50 s, 2 at 100 s: the busiest minute is 50-110 s (6)
	// or 0-60 s (7).
	for _, step := range []struct {
		n     int
		after time.Duration
	}{{3, 50 * time.Second}, {4, 50 * time.Second}, {2, 0}} {
		for range step.n {
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		_ = clock.Sleep(context.Background(), step.after)
	}
	resp, err := client.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := c.Requests(); got != 9 {
		t.Errorf("Requests = %d, want 9 (the POST not counted)", got)
	}
	if got := c.Busiest(time.Minute); got != 7 {
		t.Errorf("Busiest(1m) = %d, want 7", got)
	}
	if got := c.Busiest(10 * time.Second); got != 4 {
		t.Errorf("Busiest(10s) = %d, want 4", got)
	}
	if got := c.Span(); got != 100*time.Second {
		t.Errorf("Span = %s, want 100s", got)
	}
}
