package canvas

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// Canvas documents no request quota, so by default nothing is paced: a
// read of many pages leaves at once on the limiter's clock. With a cap of
// 30 a minute set, the same read sends at most 30 requests in any minute
// and reads the same people.
func TestReadWithinQuota(t *testing.T) {
	const perMinute = 30
	read := func(t *testing.T, quota int) ([]string, *quotatest.Counter) {
		clock := connectortest.NewClock()
		srv := fake.New(fake.Options{District: fake.Generate(3, 200, 12), Fidelity: true})
		t.Cleanup(func() {
			srv.Close()
			srv.Fidelity().Check(t)
		})
		counter := &quotatest.Counter{Next: srv.Client().Transport, Clock: clock}
		s := Settings{BaseURL: srv.URL(), AccessToken: configSecret(srv.NewToken(adminID)), PerPage: 10,
			QuotaPerMinute: quota, QuotaPercent: 100}
		conn, err := New(s, connectors.OpenOptions{Name: "canvas", HTTPClient: &http.Client{Transport: counter}},
			WithClock(clock), WithQuotaClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		people, err := quotatest.Fetch(context.Background(), conn, connectors.Selection{Units: []string{"account:1"}})
		if err != nil {
			t.Fatal(err)
		}
		return people, counter
	}
	quotatest.CheckUnpacedByDefault(t, perMinute, time.Minute, read)
}
