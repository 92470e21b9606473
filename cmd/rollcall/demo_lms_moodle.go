package main

import (
	"math/rand/v2"

	moodlefake "github.com/rollcall-sync/rollcall/connectors/moodle/fake"
)

func init() {
	registerDemoLMS("moodle", func(seed int64, people int) (*demoLMS, error) {
		srv := moodlefake.New(moodlefake.Options{Site: moodlefake.Generate(seed, people, max(6, people/40))})
		return &demoLMS{
			Vendor:   "moodle",
			URL:      srv.URL(),
			Settings: []string{"base_url: " + srv.URL(), "token: ${ROLLCALL_DEMO_LMS_TOKEN}"},
			Env:      map[string]string{"ROLLCALL_DEMO_LMS_TOKEN": srv.Token()},
			Units:    []string{"category:2"},
			Churn:    func(rng *rand.Rand, n int) int { return srv.Churn(rng, n) },
			Close:    srv.Close,
		}, nil
	})
}
