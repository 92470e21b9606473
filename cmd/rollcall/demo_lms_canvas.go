package main

import (
	"math/rand/v2"

	canvasfake "github.com/rollcall-sync/rollcall/connectors/canvas/fake"
)

func init() {
	registerDemoLMS("canvas", func(seed int64, people int) (*demoLMS, error) {
		srv := canvasfake.New(canvasfake.Options{District: canvasfake.Generate(seed, people/4, max(4, people/40))})
		return &demoLMS{
			Vendor:   "canvas",
			URL:      srv.URL(),
			Settings: []string{"base_url: " + srv.URL(), "access_token: ${ROLLCALL_DEMO_LMS_TOKEN}"},
			Env:      map[string]string{"ROLLCALL_DEMO_LMS_TOKEN": srv.AdminToken()},
			Units:    []string{"account:self"},
			Churn:    func(rng *rand.Rand, n int) int { return len(srv.Churn(rng, n)) },
			Close:    srv.Close,
		}, nil
	})
}
