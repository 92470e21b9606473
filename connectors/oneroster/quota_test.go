package oneroster

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
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
				clock := connectortest.NewClock()
				counter := &quotatest.Counter{Clock: clock, Count: func(r *http.Request) bool { return r.Method == http.MethodGet }}
				d := fake.Generate(9, 300, 10)
				e := newREST(t, d, restOptions{version: version, transport: counter, extra: []Option{WithQuotaClock(clock)},
					settings: func(s *Settings) { s.Limit = 10; s.QuotaPerMinute, s.QuotaPercent = quota, 100 }})
				people, err := quotatest.Fetch(context.Background(), e.conn, wholeSelection(d))
				if err != nil {
					t.Fatal(err)
				}
				return people, counter
			}
			quotatest.CheckUnpacedByDefault(t, perMinute, time.Minute, read)
		})
	}
}
