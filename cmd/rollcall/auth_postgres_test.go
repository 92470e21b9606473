package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth/pgauthtest"
)

// TestTokensFollowPostgresStore: with store.driver postgres, the token
// commands and the server's runtime keep tokens in the database's auth
// tables, never in auth.db, so a token made by either works on both.
func TestTokensFollowPostgresStore(t *testing.T) {
	dbURL := pgauthtest.NewDatabase(t)
	t.Setenv("ROLLCALL_TEST_AUTH_URL", dbURL)
	ctx := context.Background()
	e := newEnv(t)
	cfgPath := filepath.Join(e.dataDir, "rollcall.yaml")
	if err := os.WriteFile(cfgPath, []byte("store:\n  driver: postgres\n  url: ${ROLLCALL_TEST_AUTH_URL}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	authDB := filepath.Join(e.dataDir, "auth.db")

	r := e.ok("", "token", "create", "--email", "Ann@District.org", "--role", "operator", "--note", "cli")
	cliToken := tokenRe.FindString(r.stdout)
	if cliToken == "" {
		t.Fatalf("no token printed:\n%s", r)
	}
	db, err := pgauth.Open(ctx, dbURL, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.Authenticate(ctx, cliToken)
	if err != nil || p.Email != "ann@district.org" || p.Role != auth.RoleOperator {
		t.Fatalf("the CLI's token in the database: %+v, %v", p, err)
	}

	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{stdout: io.Discard, stderr: io.Discard, dataDir: e.dataDir, logger: slog.New(slog.DiscardHandler),
		now: func() time.Time { return time.Now().UTC() }}
	rt, err := a.openRuntimeFrom(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rt.auth.Path() != "" {
		t.Errorf("the runtime opened tokens at %s, want the database", rt.auth.Path())
	}
	if p, err := rt.auth.Authenticate(ctx, cliToken); err != nil || p.Email != "ann@district.org" {
		t.Errorf("the server's runtime does not see the CLI's token: %+v, %v", p, err)
	}
	if _, ok := backupSources(rt)["auth"]; ok {
		t.Error("the admin socket offers a file backup of tokens kept in PostgreSQL")
	}
	_, serverTok, err := rt.auth.CreateToken(ctx, "bob@district.org", auth.RoleAdmin, time.Hour, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if list := e.ok("", "token", "list"); !strings.Contains(list.stdout, "bob@district.org") || !strings.Contains(list.stdout, serverTok.ID) {
		t.Errorf("token list does not show the server's token:\n%s", list)
	}
	e.ok("", "token", "revoke", p.TokenID)
	var ce *auth.CredentialError
	if _, err := db.Authenticate(ctx, cliToken); !errors.As(err, &ce) || ce.Reason != auth.ReasonRevoked {
		t.Errorf("after token revoke: %v, want revoked", err)
	}
	if _, err := os.Stat(authDB); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("auth.db was made beside a PostgreSQL store: %v", err)
	}

	// A config that names the database but cannot load is an error, not a
	// token quietly made in auth.db where the server never looks.
	if err := os.WriteFile(cfgPath, []byte("store:\n  driver: postgres\n  url: ${ROLLCALL_TEST_AUTH_URL_UNSET}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := e.run("", "token", "create", "--email", "cy@district.org", "--role", "admin")
	if bad.code == 0 || !strings.Contains(bad.stderr, "ROLLCALL_TEST_AUTH_URL_UNSET") && !strings.Contains(bad.stderr, "store.url") {
		t.Errorf("token create with a broken config:\n%s", bad)
	}
	if tokenRe.MatchString(bad.stdout) {
		t.Errorf("a token was printed with a broken config:\n%s", bad)
	}
	if _, err := os.Stat(authDB); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("auth.db was made when the config did not load: %v", err)
	}
}

// TestOpenAuthStoreBolt: without a config, or with the default driver,
// tokens stay in auth.db at the path given.
func TestOpenAuthStoreBolt(t *testing.T) {
	dir := t.TempDir()
	a := &app{logger: slog.New(slog.DiscardHandler)}
	for _, cfg := range []*config.Config{nil, {Store: config.Store{Driver: config.DriverBolt}}} {
		path := filepath.Join(dir, "auth.db")
		s, err := a.openAuthStore(cfg, path, auth.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if s.Path() != path {
			t.Errorf("tokens at %q, want %s", s.Path(), path)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
