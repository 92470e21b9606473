package googledirectory

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
)

// Credentials Google refuses fail with an error naming the connector and
// Google's own words, and are not retried.
func TestCredentialsRefused(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, e *googleEnv) // before the call
		opts  envOptions
		want  []string
	}{
		{
			name: "wrong key for the account",
			setup: func(t *testing.T, e *googleEnv) {
				sa, _, err := fake.NewServiceAccount("rollcall-test@rollcall-fake.iam.gserviceaccount.com", e.srv.TokenURL())
				if err != nil {
					t.Fatal(err)
				}
				e.srv.Register(sa) // the server now knows a different key for that email
			},
			want: []string{`"district"`, "invalid_grant", "Invalid JWT Signature."},
		},
		{
			name: "delegation missing a scope",
			opts: envOptions{scopes: []string{fake.ScopeUserReadonly}},
			want: []string{`"district"`, "unauthorized_client", "not authorized for any of the scopes requested"},
		},
		{
			name: "subject unknown to Google",
			opts: envOptions{settings: func(s *Settings) { s.Subject = "nobody@district.example.org" }},
			want: []string{`"district"`, "invalid_grant", "Invalid email or User ID"},
		},
		{
			name: "subject is not an admin",
			opts: envOptions{settings: func(s *Settings) { s.Subject = fake.Generate(7, 300).NonAdmin }},
			want: []string{`"district"`, "403", "Not Authorized to access this resource/api"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, tc.opts)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			for _, call := range []struct {
				name string
				run  func() error
			}{
				{"Fetch", func() error {
					_, err := collect(t, e.conn, connectors.Selection{Units: []string{"/Staff"}})
					return err
				}},
				{"Check", func() error { return e.conn.Check(context.Background()) }},
			} {
				err := call.run()
				t.Logf("%s: %v", call.name, err)
				if err == nil {
					t.Fatalf("%s succeeded with refused credentials", call.name)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s error %q does not contain %q", call.name, err, w)
					}
				}
				var apiErr *APIError
				if !errors.As(err, &apiErr) {
					t.Errorf("%s error is %T, want *APIError", call.name, err)
				}
			}
			if n := e.rec.TotalRetries(); n != 0 {
				t.Errorf("%d retries of a refusal", n)
			}
		})
	}
}

// The connector asks for exactly the read-only scopes: a delegation that
// grants only those is enough.
func TestScopesReadOnly(t *testing.T) {
	for _, s := range Scopes() {
		if !strings.HasSuffix(s, ".readonly") {
			t.Errorf("scope %s is not read-only", s)
		}
	}
	e := newEnv(t, nil, envOptions{scopes: fake.ReadOnlyScopes()})
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A token the API rejects as expired is replaced, mid-fetch too.
func TestExpiredTokenRefreshed(t *testing.T) {
	e := newEnv(t, fake.Generate(4, 600), envOptions{settings: func(s *Settings) { s.MaxResults = 25 }})
	pages := 0
	err := e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"/Students"}}, func([]connectors.Person) error {
		pages++
		if pages == 2 {
			e.srv.ExpireTokens()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.srv.Counts()
	// Listings in flight together all meet the expiry, but share one
	// new token.
	if c.Token != 2 || c.Unauthorized < 1 || c.Unauthorized > int64(e.conn.s.Concurrency) {
		t.Errorf("token requests %d, 401s %d; want 2 and 1-%d", c.Token, c.Unauthorized, e.conn.s.Concurrency)
	}
	e.srv.ExpireTokens()
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatalf("Check after expiry: %v", err)
	}
}

// Neither the key nor tokens reach the logs or the errors.
func TestSecretsNotLogged(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	e.srv.ServerErrors(503, 2)
	if _, err := collect(t, e.conn, connectors.Selection{Units: []string{"/Staff"}}); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireTokens()
	e.srv.RateLimit(fake.UserRateLimitExceeded, 1<<20, 0) // past max_rate_wait
	_, err := collect(t, e.conn, connectors.Selection{Units: []string{"/Staff"}})
	if err == nil {
		t.Fatal("want a rate-limit failure")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "retrying") {
		t.Fatal("no retry was logged: the check below would pass vacuously")
	}
	secret := regexp.MustCompile(`PRIVATE KEY|ya29\.|Bearer |assertion`)
	for _, text := range []string{logs, err.Error()} {
		if m := secret.FindString(text); m != "" {
			t.Errorf("secret material %q in %q", m, text)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	cases := []struct {
		name string
		s    Settings
		want []string // fields named; none: valid
	}{
		{"minimal", Settings{CredentialsFile: "k.json", Subject: "a@b.org"}, nil},
		{"adc", Settings{UseApplicationDefault: true, Subject: "a@b.org", Customer: "C01abc23d"}, nil},
		{"nothing", Settings{}, []string{"credentials_file", "subject"}},
		{"both credentials", Settings{CredentialsFile: "k", UseApplicationDefault: true, Subject: "a@b.org"}, []string{"credentials_file"}},
		{"bad subject", Settings{CredentialsFile: "k", Subject: "Admin <a@b.org>"}, []string{"subject"}},
		{"bad customer", Settings{CredentialsFile: "k", Subject: "a@b.org", Customer: "my customer"}, []string{"customer"}},
		{"bad urls", Settings{CredentialsFile: "k", Subject: "a@b.org", Endpoint: "ftp://x", TokenURL: "nope"}, []string{"endpoint", "token_url"}},
		{"page too big", Settings{CredentialsFile: "k", Subject: "a@b.org", MaxResults: 501}, []string{"max_results"}},
		{"quota settings", Settings{CredentialsFile: "k", Subject: "a@b.org", QuotaPerMinute: 1200, QuotaPercent: 50, Concurrency: 32}, nil},
		{"bad quota settings", Settings{CredentialsFile: "k", Subject: "a@b.org", QuotaPerMinute: -1, QuotaPercent: 101, Concurrency: 33},
			[]string{"quota_per_minute", "quota_percent", "concurrency"}},
		{"negative retry", Settings{CredentialsFile: "k", Subject: "a@b.org", Retry: Retry{MaxAttempts: -1, MaxElapsed: -1, BaseDelay: -1}},
			[]string{"retry.max_attempts", "retry.max_elapsed", "retry.base_delay"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("valid settings refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("bad settings accepted")
			}
			for _, f := range tc.want {
				if !strings.Contains(err.Error(), "settings."+f+":") {
					t.Errorf("error %q does not name settings.%s", err, f)
				}
			}
		})
	}
}

func TestOpenKeyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("user.json", `{"type":"authorized_user","client_id":"x"}`)
	write("badkey.json", `{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`)
	cases := []struct{ file, want string }{
		{"missing.json", "missing.json"},
		{"user.json", "not a service account key"},
		{"badkey.json", "private_key"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			_, err := New(Settings{CredentialsFile: tc.file, Subject: "a@b.org"}, connectors.OpenOptions{Name: "d", BaseDir: dir})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "credentials_file") {
				t.Fatalf("Open = %v, want an error naming credentials_file and %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "AAAA") {
				t.Errorf("error quotes the key: %v", err)
			}
		})
	}
}

// The type is registered and its settings decode from YAML with defaults.
func TestRegisteredAndDecoded(t *testing.T) {
	cfg, err := connectors.NewConfig(Type)
	if err != nil {
		t.Fatal(err)
	}
	src := "credentials_file: sa.json\nsubject: it@district.org\nmax_results: 200\nretry: {max_attempts: 3, max_elapsed: 45s}\n"
	if err := yaml.Unmarshal([]byte(src), cfg); err != nil {
		t.Fatal(err)
	}
	s := cfg.(*Settings)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	d := s.withDefaults()
	if d.MaxResults != 200 || d.Retry.MaxAttempts != 3 || d.Retry.MaxElapsed.Seconds() != 45 ||
		d.Retry.BaseDelay != DefaultBaseDelay || d.Customer != DefaultCustomer {
		t.Errorf("decoded settings with defaults = %+v", d)
	}
}

// Open through the registry works end to end against the fake, with a
// nil logger and observer as tests may leave them.
func TestOpenThroughRegistry(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	cfg, _ := connectors.NewConfig(Type)
	s := cfg.(*Settings)
	*s = e.set
	dir := t.TempDir()
	key, err := os.ReadFile(filepath.Join(e.conn.s.CredentialsFile))
	if err == nil {
		t.Fatalf("key file resolved against the working directory: %s", key)
	}
	sa, _ := testAccount()
	b, _ := sa.KeyFile(e.srv.TokenURL())
	if err := os.WriteFile(filepath.Join(dir, "sa.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := s.Open(connectors.OpenOptions{Name: "reg", BaseDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.(connectors.Checker).Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Application default credentials from GOOGLE_APPLICATION_CREDENTIALS
// still impersonate the subject.
func TestApplicationDefaultCredentials(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	sa, _ := testAccount()
	key, err := sa.KeyFile(e.srv.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "adc.json")
	if err := os.WriteFile(path, key, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
	cases := []struct {
		subject string
		ok      bool
	}{
		{e.d.SuperAdmin, true},
		{e.d.NonAdmin, false}, // proves the subject, not the service account, is who acts
	}
	for _, tc := range cases {
		c, err := New(Settings{UseApplicationDefault: true, Subject: tc.subject, Endpoint: e.srv.Endpoint()},
			connectors.OpenOptions{Name: "adc"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Check(context.Background()); (err == nil) != tc.ok {
			t.Errorf("subject %s: Check = %v, want success %v", tc.subject, err, tc.ok)
		}
	}
}

// token_url overrides the key file's token_uri (and so the audience).
func TestTokenURLOverride(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	sa, _ := testAccount()
	key, err := sa.KeyFile("https://oauth2.invalid/token")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sa.json"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(Settings{CredentialsFile: "sa.json", Subject: e.d.SuperAdmin, Endpoint: e.srv.Endpoint(), TokenURL: e.srv.TokenURL()},
		connectors.OpenOptions{Name: "override", BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Counts().Token; n != 1 {
		t.Errorf("%d token requests reached the fake, want 1", n)
	}
}
