package oneroster

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// OneRoster sets no rate limit, so nothing is paced by default: a read of
// many pages leaves at once on the limiter's clock. With a cap of 20 a
// minute set, the same read sends at most 20 API requests in any minute
// (1.2's token POSTs are not held) and reads the same people, in both
// versions.
func TestReadWithinQuota(t *testing.T) {
	const perMinute = 20
	for _, version := range []string{V11, V12} {
		t.Run(version, func(t *testing.T) {
			read := func(t *testing.T, quota int) ([]string, *quotatest.Counter) {
				clock := quotatest.NewClock()
				counter := &quotatest.Counter{Clock: clock, Count: func(r *http.Request) bool { return r.Method == http.MethodGet }}
				d := fake.Generate(9, 300, 10)
				e := newREST(t, d, restOptions{version: version, transport: counter, extra: []Option{WithQuotaClock(clock)},
					settings: func(s *Settings) { s.Limit = 10; s.QuotaPerMinute, s.QuotaPercent = quota, 100 }})
				people, err := quotatest.Fetch(context.Background(), e.conn, wholeSelection(d))
				if err != nil {
					t.Fatal(err)
				}
				if n := counter.Requests(); n <= 2*perMinute {
					t.Fatalf("the read took %d requests: too few to run into a cap of %d", n, perMinute)
				}
				return people, counter
			}
			unpaced, control := read(t, 0)
			if got := control.Busiest(time.Minute); got <= perMinute || control.Span() != 0 {
				t.Errorf("default: %d requests in the busiest minute, over %s; want every one at once (not paced)", got, control.Span())
			}
			paced, counter := read(t, perMinute)
			if got := counter.Busiest(time.Minute); got > perMinute {
				t.Errorf("capped: %d requests in one minute, cap %d", got, perMinute)
			}
			t.Logf("capped: %d requests over %s", counter.Requests(), counter.Span())
			if len(paced) == 0 || !slices.Equal(paced, unpaced) {
				t.Errorf("capped read %d people, default %d: want the same, and some", len(paced), len(unpaced))
			}
		})
	}
}
