package lti

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit/quotatest"
)

// NRPS sets no rate limit, so nothing is paced by default: a read of many
// roster pages leaves at once on the limiter's clock. With a cap of 20 a
// minute set, the same read sends at most 20 roster requests in any
// minute (token requests are not held) and reads the same people.
func TestReadWithinQuota(t *testing.T) {
	const perMinute = 20
	roster := connectortest.GenerateRoster(5, 300, 8)
	read := func(t *testing.T, quota int) ([]string, *quotatest.Counter) {
		clock := connectortest.NewClock()
		p := fake.New(fake.Options{Courses: courses(roster), Fidelity: true})
		t.Cleanup(func() {
			p.Close()
			p.Fidelity().Check(t)
		})
		counter := &quotatest.Counter{Next: p.Client().Transport, Clock: clock,
			Count: func(r *http.Request) bool { return r.Method == http.MethodGet }}
		s := Settings{Issuer: p.Issuer(), ClientID: testClientID, DeploymentIDs: []string{"dep-1"}, AuthLoginURL: p.AuthURL(),
			TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(), PrivateKeyFile: keyFile(t, t.TempDir()), PageSize: 10,
			QuotaPerMinute: quota, QuotaPercent: 100}
		conn, err := New(s, connectors.OpenOptions{Name: "lms", HTTPClient: &http.Client{Transport: counter}},
			WithClock(clock), WithQuotaClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		p.RegisterTool(fake.Tool{ClientID: testClientID, DeploymentID: "dep-1", LoginURL: "http://tool.invalid/lti/login",
			RedirectURIs: []string{"http://tool.invalid/lti/launch"}, Keys: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{conn.Key().Public()}}})
		var units []string
		for _, u := range roster.Units {
			units = append(units, "memberships:"+p.MembershipsURL(u.ID))
		}
		people, err := quotatest.Fetch(context.Background(), conn, connectors.Selection{Units: units})
		if err != nil {
			t.Fatal(err)
		}
		// The unit is the memberships URL, on each fake's own port.
		for i, line := range people {
			people[i] = line[:strings.LastIndexByte(line, '|')]
		}
		slices.Sort(people)
		return people, counter
	}
	quotatest.CheckUnpacedByDefault(t, perMinute, time.Minute, read)
}
