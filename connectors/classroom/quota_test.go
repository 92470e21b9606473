package classroom

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/classroom/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// A read of a school's courses and rosters, paced to a quota of 40 a
// minute, sends at most 40 API requests in any minute (however the
// minute is aligned, as Google's moving average is not); the same read
// unpaced sends more, so the check can fail, and both read the same
// people. The fake has no quota of its own: the requests are stamped on
// the limiter's fake clock on their way out.
func TestReadWithinQuota(t *testing.T) {
	const perMinute = 40
	read := func(t *testing.T, paced bool) ([]string, *quotatest.Counter) {
		clock := connectortest.NewClock()
		counter := &quotatest.Counter{Clock: clock, Count: func(r *http.Request) bool { return r.Method == http.MethodGet }}
		e := newEnv(t, fake.Generate(3, 1500), envOptions{transport: counter, quotaClock: clock, settings: func(s *Settings) {
			s.PageSize = 10
			s.QuotaPerMinute, s.QuotaPercent = perMinute, 100
			if !paced {
				s.QuotaPerMinute = ratelimit.MaxRequests
			}
		}})
		people, err := quotatest.Fetch(context.Background(), e.conn, connectors.Selection{Units: []string{UnitAll}})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Requests(); n <= 2*perMinute {
			t.Fatalf("the read took %d requests: too few to run into a quota of %d", n, perMinute)
		}
		if r := e.rec.TotalRetries(); r != 0 {
			t.Errorf("%d retries; want none", r)
		}
		return people, counter
	}
	for _, paced := range []bool{true, false} {
		t.Run(fmt.Sprintf("paced=%v", paced), func(t *testing.T) {
			people, counter := read(t, paced)
			busiest := counter.Busiest(time.Minute)
			switch {
			case paced && busiest > perMinute:
				t.Errorf("%d requests in one minute, quota %d", busiest, perMinute)
			case !paced && busiest <= perMinute:
				t.Errorf("unpaced, only %d requests in the busiest minute: the check could not fail", busiest)
			}
			t.Logf("%d requests over %s, %d people", counter.Requests(), counter.Span(), len(people))
			if paced {
				unpaced, _ := read(t, false)
				if len(people) == 0 || !slices.Equal(people, unpaced) {
					t.Errorf("paced read %d people, unpaced %d: want the same, and some", len(people), len(unpaced))
				}
			}
		})
	}
}
