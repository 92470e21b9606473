package main

import (
	"math/rand/v2"
	"strconv"

	schoologyfake "github.com/rollcall-sync/rollcall/connectors/schoology/fake"
)

func init() {
	registerDemoLMS("schoology", func(seed int64, people int) (*demoLMS, error) {
		d := schoologyfake.Generate(seed, people, max(6, people/40))
		srv := schoologyfake.New(schoologyfake.Options{District: d})
		key, secret := srv.Credentials()
		return &demoLMS{
			Vendor:   "schoology",
			URL:      srv.URL(),
			Settings: []string{"base_url: " + srv.URL(), "consumer_key: " + key, "consumer_secret: ${ROLLCALL_DEMO_LMS_SECRET}"},
			Env:      map[string]string{"ROLLCALL_DEMO_LMS_SECRET": secret},
			Units:    []string{"school:" + strconv.FormatInt(d.School.ID, 10)},
			Churn:    func(rng *rand.Rand, n int) int { return srv.Churn(rng, n) },
			Close:    srv.Close,
		}, nil
	})
}
