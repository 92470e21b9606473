package clever

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/clever/fake"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// BenchmarkFetchDistrict reads a district of 5,000 people at 1,000 a page
// through the connector; BenchmarkFetchFloor reads the same pages with
// bare HTTP requests and no decoding, the floor the connector's cost is a
// ratio of. Run both: go test -run '^$' -bench 'Fetch' ./connectors/clever/
func BenchmarkFetchDistrict(b *testing.B) {
	srv := fake.New(fake.Options{District: fake.Generate(1, 5000, 8), RateLimit: 1 << 30})
	defer srv.Close()
	// The fake has no practical quota, so the connector's is set out of
	// the way too: the benchmark measures the connector, not the pacing.
	c, err := New(Settings{BaseURL: srv.URL(), Token: config.Secret(srv.DistrictToken()), PageSize: 1000,
		QuotaPerMinute: ratelimit.MaxRequests},
		connectors.OpenOptions{Name: "bench", HTTPClient: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	sel := connectors.Selection{Units: []string{"district"}}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if err := c.Fetch(context.Background(), sel, func(p []connectors.Person) error { n += len(p); return nil }); err != nil || n < 4000 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkFetchFloor(b *testing.B) {
	srv := fake.New(fake.Options{District: fake.Generate(1, 5000, 8), RateLimit: 1 << 30})
	defer srv.Close()
	tok := srv.DistrictToken()
	client := srv.Client()
	// The pages the connector reads, found once, untimed.
	var urls []string
	for _, role := range []string{"student", "teacher"} {
		u := srv.URL() + "/v3.0/users?role=" + role + "&limit=1000"
		for u != "" {
			urls = append(urls, u)
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var env listEnvelope[struct{}]
			err = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			next := ""
			for _, l := range env.Links {
				if l.Rel == "next" && len(env.Data) > 0 {
					next = srv.URL() + l.URI
				}
			}
			u = next
		}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, u := range urls {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}
