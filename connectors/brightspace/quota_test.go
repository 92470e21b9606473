package brightspace

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/brightspace/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// A read of a school's offerings, paced to a quota of 30 calls a minute,
// sends at most 30 API calls in any minute, and token requests (D2L's
// auth service, no credits) are not held; the same read unpaced sends
// more, so the check can fail, and both read the same people. The fake's
// credit bucket is off (its size is D2L's 50,000 credits, far above what
// this read spends), so only the pacing is measured.
func TestReadWithinQuota(t *testing.T) {
	const perMinute = 30
	read := func(t *testing.T, paced bool) ([]string, *quotatest.Counter) {
		clock := connectortest.NewClock()
		srv := fake.New(fake.Options{District: fake.Generate(7, 300, 24), Now: clock.Now, Unlimited: true, PageSize: 10, Fidelity: true})
		t.Cleanup(func() {
			srv.Close()
			srv.Fidelity().Check(t)
		})
		tok, err := url.Parse(srv.TokenURL())
		if err != nil {
			t.Fatal(err)
		}
		tokenPath := tok.Path
		counter := &quotatest.Counter{Next: srv.Client().Transport, Clock: clock,
			Count: func(r *http.Request) bool { return r.URL.Path != tokenPath }}
		id, secret := srv.ClientCredentials()
		s := Settings{BaseURL: srv.URL(), TokenURL: srv.TokenURL(), ClientID: id, ClientSecret: config.Secret(secret),
			RefreshToken: config.Secret(srv.IssueRefreshToken(fake.AdminUser)), TokenFile: filepath.Join(t.TempDir(), "token.json"),
			Roles: demoRoles(), QuotaPerMinute: perMinute, QuotaPercent: 100}
		if !paced {
			s.QuotaPerMinute = ratelimit.MaxRequests
		}
		conn, err := New(s, connectors.OpenOptions{Name: "d2l", HTTPClient: &http.Client{Transport: counter}},
			WithClock(clock), WithQuotaClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		people, err := quotatest.Fetch(context.Background(), conn, connectors.Selection{Units: []string{"orgunit:6606"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Requests(); n <= 2*perMinute {
			t.Fatalf("the read took %d calls: too few to run into a quota of %d", n, perMinute)
		}
		return people, counter
	}
	paced, counter := read(t, true)
	if got := counter.Busiest(time.Minute); got > perMinute {
		t.Errorf("paced: %d calls in one minute, quota %d", got, perMinute)
	}
	t.Logf("paced: %d calls over %s", counter.Requests(), counter.Span())
	unpaced, control := read(t, false)
	if got := control.Busiest(time.Minute); got <= perMinute {
		t.Errorf("unpaced: only %d calls in the busiest minute: the check could not fail", got)
	}
	if len(paced) == 0 || !slices.Equal(paced, unpaced) {
		t.Errorf("paced read %d people, unpaced %d: want the same, and some", len(paced), len(unpaced))
	}
}
