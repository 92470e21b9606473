package main

import (
	"math/rand/v2"

	cleverfake "github.com/rollcall-sync/rollcall/connectors/clever/fake"
)

func init() {
	registerDemoLMS("clever", func(seed int64, people int) (*demoLMS, error) {
		srv := cleverfake.New(cleverfake.Options{District: cleverfake.Generate(seed, people, max(2, people/300))})
		return &demoLMS{
			Vendor:   "clever",
			URL:      srv.URL(),
			Settings: []string{"base_url: " + srv.URL(), "token: ${ROLLCALL_DEMO_LMS_TOKEN}"},
			Env:      map[string]string{"ROLLCALL_DEMO_LMS_TOKEN": srv.DistrictToken()},
			Units:    []string{"district"},
			Churn:    func(rng *rand.Rand, n int) int { return len(srv.Churn(rng, n)) },
			Close:    srv.Close,
		}, nil
	})
}
