package moodle

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
	"github.com/rollcall-sync/rollcall/connectors/moodle/fake"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// Moodle has no rate limit by default, so nothing is paced: a read of
// many calls leaves at once on the limiter's clock. With a cap of 30 a
// minute set, the same read sends at most 30 calls in any minute and
// reads the same people.
func TestReadWithinQuota(t *testing.T) {
	const perMinute = 30
	read := func(t *testing.T, quota int) ([]string, *quotatest.Counter) {
		clock := connectortest.NewClock()
		srv := fake.New(fake.Options{Site: fake.Generate(4, 400, 24),
			Record: func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(t) }) }})
		t.Cleanup(srv.Close)
		counter := &quotatest.Counter{Next: srv.Client().Transport, Clock: clock}
		s := Settings{BaseURL: srv.URL(), Token: config.Secret(srv.Token()), PageSize: 10, QuotaPerMinute: quota, QuotaPercent: 100}
		conn, err := New(s, connectors.OpenOptions{Name: "moodle", HTTPClient: &http.Client{Transport: counter}},
			WithClock(clock), WithQuotaClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		people, err := quotatest.Fetch(context.Background(), conn, connectors.Selection{Units: []string{"category:2"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Requests(); n <= 2*perMinute {
			t.Fatalf("the read took %d calls: too few to run into a cap of %d", n, perMinute)
		}
		return people, counter
	}
	unpaced, control := read(t, 0)
	if got := control.Busiest(time.Minute); got <= perMinute || control.Span() != 0 {
		t.Errorf("default: %d calls in the busiest minute, over %s; want every one at once (not paced)", got, control.Span())
	}
	paced, counter := read(t, perMinute)
	if got := counter.Busiest(time.Minute); got > perMinute {
		t.Errorf("capped: %d calls in one minute, cap %d", got, perMinute)
	}
	t.Logf("capped: %d calls over %s", counter.Requests(), counter.Span())
	if len(paced) == 0 || !slices.Equal(paced, unpaced) {
		t.Errorf("capped read %d people, default %d: want the same, and some", len(paced), len(unpaced))
	}
}
