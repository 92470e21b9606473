package schoology

import (
	"context"
	"net/http"
	"slices"
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
		if n := counter.Requests(); n <= 3*per5s {
			t.Fatalf("the read took %d requests: too few to run into a cap of %d", n, per5s)
		}
		return people, counter
	}
	unpaced, control := read(t, 0)
	if got := control.Busiest(5 * time.Second); got <= per5s || control.Span() != 0 {
		t.Errorf("default: %d requests in the busiest 5 s, over %s; want every one at once (not paced)", got, control.Span())
	}
	paced, counter := read(t, per5s)
	if got := counter.Busiest(5 * time.Second); got > per5s {
		t.Errorf("capped: %d requests in 5 s, cap %d", got, per5s)
	}
	t.Logf("capped: %d requests over %s", counter.Requests(), counter.Span())
	if len(paced) == 0 || !slices.Equal(paced, unpaced) {
		t.Errorf("capped read %d people, default %d: want the same, and some", len(paced), len(unpaced))
	}
}
