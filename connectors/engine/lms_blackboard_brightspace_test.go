package engine

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/blackboard"
	blackboardfake "github.com/rollcall-sync/rollcall/connectors/blackboard/fake"
	"github.com/rollcall-sync/rollcall/connectors/brightspace"
	brightspacefake "github.com/rollcall-sync/rollcall/connectors/brightspace/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// blackboardBrightspaceVendors are Blackboard Learn and Brightspace for
// the LMS-link test; who must be a member is worked out from each fake's
// own district, not from what the connector reads.
func blackboardBrightspaceVendors() []lmsVendor {
	return []lmsVendor{{
		name:  "blackboard",
		units: []string{"term:externalId:2026-FA"},
		open: func(t *testing.T) (connectors.Connector, func() map[string]string, func(*rand.Rand)) {
			srv := blackboardfake.New(blackboardfake.Options{District: blackboardfake.Generate(3, 400, 24)})
			t.Cleanup(srv.Close)
			key, secret := srv.Credentials()
			s := &blackboard.Settings{BaseURL: srv.URL(), ApplicationKey: config.Secret(key), ApplicationSecret: config.Secret(secret)}
			conn, err := s.Open(connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			return conn, func() map[string]string { return srv.Snapshot().ActiveMembers() }, func(rng *rand.Rand) { srv.Churn(rng, 20) }
		},
	}, {
		name:  "brightspace",
		units: []string{"orgunit:6606"},
		open: func(t *testing.T) (connectors.Connector, func() map[string]string, func(*rand.Rand)) {
			srv := brightspacefake.New(brightspacefake.Options{District: brightspacefake.Generate(3, 400, 24)})
			t.Cleanup(srv.Close)
			id, secret := srv.ClientCredentials()
			roles := map[string]license.Role{}
			for k, v := range brightspacefake.DemoRoles {
				roles[k] = license.Role(v)
			}
			s := &brightspace.Settings{BaseURL: srv.URL(), TokenURL: srv.TokenURL(), ClientID: id, ClientSecret: config.Secret(secret),
				RefreshToken: config.Secret(srv.IssueRefreshToken(brightspacefake.AdminUser)),
				TokenFile:    filepath.Join(t.TempDir(), "brightspace-token.json"), Roles: roles}
			conn, err := s.Open(connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			return conn, func() map[string]string { return srv.Snapshot().ActiveMembers(brightspacefake.DemoRoles) },
				func(rng *rand.Rand) { srv.Churn(rng, 20) }
		},
	}}
}
