package clever

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/clever/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// A read of many pages, paced to a quota of 30 a minute, sends at most
// 30 requests in any minute and the fake (counting Clever's fixed
// one-minute window of 30) refuses none of them; the same read unpaced
// (against a fake with no practical limit, so that nothing else slows
// it) sends more than 30 in a minute, so the check can fail. Both read
// the same people. Fake, limiter and retries share one fake clock.
func TestReadWithinQuota(t *testing.T) {
	const perMinute = 30
	d := fake.Generate(11, 1500, 3)
	read := func(t *testing.T, paced bool) ([]string, *quotatest.Counter, *fake.Server, *connectortest.Recorder) {
		clock := connectortest.NewClock()
		limit := 1 << 30
		if paced {
			limit = perMinute
		}
		srv := fake.New(fake.Options{District: d, Now: clock.Now, RateLimit: limit, Fidelity: true})
		t.Cleanup(func() {
			srv.Close()
			srv.Fidelity().Check(t)
		})
		counter := &quotatest.Counter{Next: srv.Client().Transport, Clock: clock}
		s := Settings{BaseURL: srv.URL(), Token: config.Secret(srv.DistrictToken()), PageSize: 25,
			QuotaPerMinute: perMinute, QuotaPercent: 100}
		if !paced {
			s.QuotaPerMinute = ratelimit.MaxRequests
		}
		rec := connectortest.NewRecorder()
		conn, err := New(s, connectors.OpenOptions{Name: "clever", Upstream: rec, HTTPClient: &http.Client{Transport: counter}},
			WithClock(clock), WithQuotaClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		people, err := quotatest.Fetch(context.Background(), conn, connectors.Selection{Units: []string{"district"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Requests(); n <= 2*perMinute {
			t.Fatalf("the read took %d requests: too few to run into a quota of %d", n, perMinute)
		}
		return people, counter, srv, rec
	}
	paced, counter, srv, rec := read(t, true)
	if got := counter.Busiest(time.Minute); got > perMinute {
		t.Errorf("paced: %d requests in one minute, quota %d", got, perMinute)
	}
	if n, r := srv.Counts().Throttled, rec.AllRetries()[metrics.ReasonRateLimit]; n != 0 || r != 0 {
		t.Errorf("paced: the fake refused %d requests, %d rate-limit retries; want none", n, r)
	}
	t.Logf("paced: %d requests over %s", counter.Requests(), counter.Span())
	unpaced, control, _, _ := read(t, false)
	if got := control.Busiest(time.Minute); got <= perMinute {
		t.Errorf("unpaced: only %d requests in the busiest minute: the check could not fail", got)
	}
	if len(paced) == 0 || !slices.Equal(paced, unpaced) {
		t.Errorf("paced read %d people, unpaced %d: want the same, and some", len(paced), len(unpaced))
	}
}
