package moodle

import (
	"context"
	"net/http"
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
		return people, counter
	}
	quotatest.CheckUnpacedByDefault(t, perMinute, time.Minute, read)
}
