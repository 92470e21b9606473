package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/moodle"
	moodlefake "github.com/rollcall-sync/rollcall/connectors/moodle/fake"
	"github.com/rollcall-sync/rollcall/connectors/schoology"
	schoologyfake "github.com/rollcall-sync/rollcall/connectors/schoology/fake"
)

// schoologyMoodleVendors are Schoology and Moodle for the LMS-link test;
// who must be a member is worked out from each fake's own district.
func schoologyMoodleVendors() []lmsVendor {
	return []lmsVendor{{
		name:  "schoology",
		units: []string{"school:344232"},
		open: func(t *testing.T) (connectors.Connector, func() map[string]string, func(*rand.Rand)) {
			srv := schoologyfake.New(schoologyfake.Options{District: schoologyfake.Generate(3, 400, 24)})
			t.Cleanup(srv.Close)
			key, secret := srv.Credentials()
			s := &schoology.Settings{BaseURL: srv.URL(), ConsumerKey: key, ConsumerSecret: config.Secret(secret)}
			conn, err := s.Open(connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			return conn, func() map[string]string { return srv.Snapshot().ActiveMembers() }, func(rng *rand.Rand) { srv.Churn(rng, 20) }
		},
	}, {
		name:  "moodle",
		units: []string{"category:2"},
		open: func(t *testing.T) (connectors.Connector, func() map[string]string, func(*rand.Rand)) {
			srv := moodlefake.New(moodlefake.Options{Site: moodlefake.Generate(3, 400, 24)})
			t.Cleanup(srv.Close)
			s := &moodle.Settings{BaseURL: srv.URL(), Token: config.Secret(srv.Token())}
			conn, err := s.Open(connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			return conn, func() map[string]string { return srv.Snapshot().ActiveMembers() }, func(rng *rand.Rand) { srv.Churn(rng, 20) }
		},
	}}
}
