package blackboard

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/blackboard/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// A term read of many pages, paced to a quota of 60 calls a day, sends
// at most 60 in any 24 hours and the fake (counting Learn's daily quota
// of 60) refuses none; the same read unpaced, against a fake without a
// quota, sends more than 60 in a day, so the check can fail. Both read
// the same people. Fake, limiter and retries share one fake clock, so
// the days pass at once.
func TestReadWithinQuota(t *testing.T) {
	const perDay = 60
	read := func(t *testing.T, paced bool) ([]string, *quotatest.Counter, *fake.Server) {
		clock := connectortest.NewClock()
		opts := fake.Options{District: fake.Generate(5, 400, 20), Now: clock.Now, TokenTTL: 365 * 24 * time.Hour,
			Quota: perDay, Window: 24 * time.Hour, Fidelity: true}
		if !paced {
			opts.Quota = -1
		}
		srv := fake.New(opts)
		t.Cleanup(func() {
			srv.Close()
			srv.Fidelity().Check(t)
		})
		counter := &quotatest.Counter{Next: srv.Client().Transport, Clock: clock,
			Count: func(r *http.Request) bool { return r.URL.Path != TokenPath }}
		key, secret := srv.Credentials()
		s := Settings{BaseURL: srv.URL(), ApplicationKey: config.Secret(key), ApplicationSecret: config.Secret(secret),
			PageSize: 5, QuotaPerDay: perDay, QuotaPercent: 100}
		if !paced {
			s.QuotaPerDay = ratelimit.MaxRequests
		}
		conn, err := New(s, connectors.OpenOptions{Name: "learn", HTTPClient: &http.Client{Transport: counter}},
			WithClock(clock), WithQuotaClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		people, err := quotatest.Fetch(context.Background(), conn, connectors.Selection{Units: []string{"term:_1_1"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Requests(); n <= 2*perDay {
			t.Fatalf("the read took %d calls: too few to run into a quota of %d", n, perDay)
		}
		return people, counter, srv
	}
	paced, counter, srv := read(t, true)
	if got := counter.Busiest(24 * time.Hour); got > perDay {
		t.Errorf("paced: %d calls in one day, quota %d", got, perDay)
	}
	if n := srv.Counts().Throttled; n != 0 {
		t.Errorf("paced: the fake refused %d calls; want none", n)
	}
	t.Logf("paced: %d calls over %s", counter.Requests(), counter.Span())
	unpaced, control, _ := read(t, false)
	if got := control.Busiest(24 * time.Hour); got <= perDay {
		t.Errorf("unpaced: only %d calls in the busiest day: the check could not fail", got)
	}
	if len(paced) == 0 || !slices.Equal(paced, unpaced) {
		t.Errorf("paced read %d people, unpaced %d: want the same, and some", len(paced), len(unpaced))
	}
}
