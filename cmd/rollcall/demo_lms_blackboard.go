package main

import (
	"math/rand/v2"

	blackboardfake "github.com/rollcall-sync/rollcall/connectors/blackboard/fake"
)

func init() {
	registerDemoLMS("blackboard", func(seed int64, people int) (*demoLMS, error) {
		srv := blackboardfake.New(blackboardfake.Options{District: blackboardfake.Generate(seed, people/4, max(4, people/40))})
		key, secret := srv.Credentials()
		return &demoLMS{
			Vendor: "blackboard",
			URL:    srv.URL(),
			Settings: []string{"base_url: " + srv.URL(), "application_key: ${ROLLCALL_DEMO_LMS_KEY}",
				"application_secret: ${ROLLCALL_DEMO_LMS_SECRET}"},
			Env:   map[string]string{"ROLLCALL_DEMO_LMS_KEY": key, "ROLLCALL_DEMO_LMS_SECRET": secret},
			Units: []string{"term:externalId:2026-FA"},
			Churn: func(rng *rand.Rand, n int) int { return len(srv.Churn(rng, n)) },
			Close: srv.Close,
		}, nil
	})
}
