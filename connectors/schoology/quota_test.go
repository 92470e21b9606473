package schoology

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/fidelity"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
	"github.com/rollcall-sync/rollcall/connectors/schoology/fake"
)

// Schoology documents no request quota, so nothing is paced by default:
// a read of many pages leaves at once on the limiter's clock. With a cap
// of 10 per 5 seconds set, the same read sends at most 10 requests in
// any 5 seconds and reads the same people.
func TestReadWithinQuota(t *testing.T) {
	const per5s = 10
	read := func(t *testing.T, quota int) ([]string, *quotatest.Counter) {
		clock := connectortest.NewClock()
		d := fake.Generate(6, 300, 12)
		srv := fake.New(fake.Options{District: d, Record: func(r *fidelity.Recorder) { t.Cleanup(func() { r.Check(t) }) }})
		t.Cleanup(srv.Close)
		counter := &quotatest.Counter{Next: srv.Client().Transport, Clock: clock}
		key, secret := srv.Credentials()
		s := Settings{BaseURL: srv.URL(), ConsumerKey: key, ConsumerSecret: config.Secret(secret), PageSize: 10,
			QuotaPer5Seconds: quota, QuotaPercent: 100}
		conn, err := New(s, connectors.OpenOptions{Name: "schoology", HTTPClient: &http.Client{Transport: counter}},
			WithClock(clock), WithQuotaClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		people, err := quotatest.Fetch(context.Background(), conn,
			connectors.Selection{Units: []string{"school:" + strconv.FormatInt(d.School.ID, 10)}})
		if err != nil {
			t.Fatal(err)
		}
		return people, counter
	}
	quotatest.CheckUnpacedByDefault(t, per5s, 5*time.Second, read)
}
