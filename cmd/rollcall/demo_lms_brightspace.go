package main

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"

	brightspacefake "github.com/rollcall-sync/rollcall/connectors/brightspace/fake"
)

func init() {
	registerDemoLMS("brightspace", func(seed int64, people int) (*demoLMS, error) {
		srv := brightspacefake.New(brightspacefake.Options{District: brightspacefake.Generate(seed, people/4, max(4, people/40))})
		id, secret := srv.ClientCredentials()
		settings := []string{"base_url: " + srv.URL(), "token_url: " + srv.TokenURL(), "client_id: " + id,
			"client_secret: ${ROLLCALL_DEMO_LMS_SECRET}", "refresh_token: ${ROLLCALL_DEMO_LMS_REFRESH_TOKEN}",
			// A fresh refresh token each demo start: the file's older
			// descendant is then set aside by its digest.
			"token_file: brightspace-token.json", "roles:"}
		for _, k := range slices.Sorted(maps.Keys(brightspacefake.DemoRoles)) {
			settings = append(settings, "  "+strconv.Quote(k)+": "+brightspacefake.DemoRoles[k])
		}
		return &demoLMS{
			Vendor:   "brightspace",
			URL:      srv.URL(),
			Settings: settings,
			Env: map[string]string{"ROLLCALL_DEMO_LMS_SECRET": secret,
				"ROLLCALL_DEMO_LMS_REFRESH_TOKEN": srv.IssueRefreshToken(brightspacefake.AdminUser)},
			Units: []string{"orgunit:" + strconv.Itoa(brightspacefake.RootOrgUnit)},
			Churn: func(rng *rand.Rand, n int) int { return len(srv.Churn(rng, n)) },
			Close: srv.Close,
		}, nil
	})
}
