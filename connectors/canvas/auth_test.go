package canvas

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// A developer key's refresh token is traded for access tokens, renewed
// when Canvas expires one, and its refusals carry Canvas's words.
func TestDeveloperKey(t *testing.T) {
	r := connectortest.GenerateRoster(6, 60, 2)
	cases := []struct {
		name    string
		secret  string
		refresh func(srv *fake.Server) string
		between func(srv *fake.Server) // between two fetches
		want    []string               // error parts; nil: success
		tokens  int64                  // token requests, when it succeeds
	}{
		{"refresh token", "s3cret-key", nil, nil, nil, 1},
		{"expired access token is renewed", "s3cret-key", nil, func(s *fake.Server) { s.ExpireTokens() }, nil, 2},
		{"wrong secret", "wrong-secret", nil, nil, []string{"401", "invalid_client", "invalid client"}, 0},
		{"unknown refresh token", "s3cret-key", func(*fake.Server) string { return "7~nope" }, nil, []string{"400", "invalid_grant", "refresh_token not found"}, 0},
		{"revoked after the first sync", "s3cret-key", nil, func(s *fake.Server) { s.RevokeTokens() }, []string{"invalid_grant"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := fake.New(fake.Options{District: district(r)})
			defer srv.Close()
			srv.AddDeveloperKey("170000000000042", "s3cret-key")
			refresh := srv.NewRefreshToken("170000000000042", adminID)
			if tc.refresh != nil {
				refresh = tc.refresh(srv)
			}
			var logs bytes.Buffer
			set := Settings{BaseURL: srv.URL(), ClientID: "170000000000042", ClientSecret: config.Secret(tc.secret), RefreshToken: config.Secret(refresh)}
			c, err := New(set, connectors.OpenOptions{Name: "lms", HTTPClient: srv.Client(),
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, WithClock(connectortest.NewClock()))
			if err != nil {
				t.Fatal(err)
			}
			sel := connectors.Selection{Units: []string{"account:1"}}
			var got []error
			for range 2 {
				_, err := fetchRoles(t, c, sel)
				got = append(got, err)
				if tc.between != nil {
					tc.between(srv)
				}
			}
			last := got[len(got)-1]
			if got[0] != nil {
				last = got[0]
			}
			if tc.want == nil {
				if last != nil {
					t.Fatal(last)
				}
				if n := srv.Counts().Token; n != tc.tokens {
					t.Errorf("%d token requests, want %d", n, tc.tokens)
				}
			} else {
				if last == nil {
					t.Fatal("Fetch succeeded with a refused developer key")
				}
				for _, w := range append(tc.want, `"lms"`) {
					if !strings.Contains(last.Error(), w) {
						t.Errorf("error %q does not contain %q", last, w)
					}
				}
			}
			for _, secret := range []string{"s3cret-key", refresh} {
				for _, err := range got {
					if err != nil && strings.Contains(err.Error(), secret) {
						t.Errorf("error shows a secret: %v", err)
					}
				}
				if strings.Contains(logs.String(), secret) {
					t.Error("logs show a secret")
				}
			}
		})
	}
}

// The settings decode strictly through the registry and validate by field.
func TestSettingsThroughRegistry(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // error parts; nil: valid
	}{
		{"token", "base_url: https://district.instructure.com\naccess_token: abc\nper_page: 50\ninclude_observers: other\nretry: {max_attempts: 3, base_delay: 1s}\n", nil},
		{"developer key", "base_url: https://district.instructure.com/\nclient_id: '1700'\nclient_secret: s\nrefresh_token: r\n", nil},
		{"no credentials", "base_url: https://district.instructure.com\n", []string{"access_token", "is required"}},
		{"both", "base_url: https://c.example\naccess_token: a\nclient_id: x\n", []string{"choose one"}},
		{"key without secret", "base_url: https://c.example\nclient_id: x\nrefresh_token: r\n", []string{"client_secret"}},
		{"path in base_url", "base_url: https://c.example/api/v1\naccess_token: a\n", []string{"base_url", "no path"}},
		{"per_page too big", "base_url: https://c.example\naccess_token: a\nper_page: 500\n", []string{"per_page", "1-100"}},
		{"bad observer role", "base_url: https://c.example\naccess_token: a\ninclude_observers: parent\n", []string{"include_observers"}},
		{"bad root account", "base_url: https://c.example\naccess_token: a\nroot_account: main\n", []string{"root_account"}},
		{"negative retry", "base_url: https://c.example\naccess_token: a\nretry: {max_attempts: -1, max_elapsed: -1s, pause: -2s}\n",
			[]string{"retry.max_attempts", "retry.max_elapsed", "retry.pause"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var node yaml.Node
			if err := yaml.Unmarshal([]byte(tc.yaml), &node); err != nil {
				t.Fatal(err)
			}
			cfg, err := connectors.NewConfig(Type)
			if err != nil {
				t.Fatal(err)
			}
			if err := config.DecodeStrictAt(node.Content[0], "rollcall.yaml", "connectors[0].settings", cfg); err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cfg.Open(connectors.OpenOptions{Name: "lms"}); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("invalid settings accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// Check talks to Canvas once and reports a refused token.
func TestCheck(t *testing.T) {
	e := newEnv(t, district(connectortest.GenerateRoster(1, 10, 1)), "lms", nil, nil, nil)
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.RevokeTokens()
	if err := e.conn.Check(context.Background()); err == nil || !strings.Contains(err.Error(), fake.MsgInvalidToken) {
		t.Fatalf("Check with a revoked token = %v", err)
	}
}
