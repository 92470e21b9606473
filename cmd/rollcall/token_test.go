package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license/auth"
)

var tokenRe = regexp.MustCompile(`rcat_[A-Za-z0-9_-]{40,}`)

// authenticate opens the env's auth.db, beside rollcall.db, and checks a token.
func (e *env) authenticate(token string) (auth.Principal, error) {
	e.t.Helper()
	s, err := auth.Open(filepath.Join(e.dataDir, "auth.db"), auth.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	defer s.Close()
	return s.Authenticate(context.Background(), token)
}

func TestTokenCommand(t *testing.T) {
	e := newEnv(t)
	if r := e.run("", "token", "--help"); r.code != 0 || !strings.Contains(r.stdout, "revoke") {
		t.Fatalf("the token command is not wired: add a.tokenCmd() to commands() in root.go\n%s", r)
	}
	r := e.ok("", "token", "create", "--email", "Ann@District.org", "--role", "admin", "--ttl", "30d", "--note", "ci")
	token := tokenRe.FindString(r.stdout)
	if token == "" || !strings.Contains(r.stdout, "not shown again") {
		t.Fatalf("no token printed:\n%s", r)
	}
	p, err := e.authenticate(token)
	if err != nil || p.Email != "ann@district.org" || p.Role != auth.RoleAdmin {
		t.Fatalf("printed token authenticates as %+v, %v", p, err)
	}
	fi, err := os.Stat(filepath.Join(e.dataDir, "auth.db"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("auth.db: %v, mode %v", err, fi.Mode())
	}

	var created struct {
		Token string     `json:"token"`
		Info  auth.Token `json:"info"`
	}
	e.jsonOK(&created, "", "token", "create", "--email", "app@vendor.com", "--role", "application", "--ttl", "0")
	if created.Token == "" || !created.Info.Expires.IsZero() {
		t.Fatalf("json create %+v", created)
	}

	list := e.ok("", "token", "list")
	if strings.Contains(list.stdout, token) || strings.Contains(list.stdout, created.Token) {
		t.Fatalf("token list shows a token:\n%s", list.stdout)
	}
	for _, want := range []string{"ann@district.org", "app@vendor.com", "ci", "never", "active"} {
		if !strings.Contains(list.stdout, want) {
			t.Errorf("token list lacks %q:\n%s", want, list.stdout)
		}
	}
	var listed []auth.Token
	e.jsonOK(&listed, "", "token", "list")
	if len(listed) != 2 {
		t.Fatalf("json list %+v", listed)
	}

	e.ok("", "token", "revoke", created.Info.ID)
	var ce *auth.CredentialError
	if _, err := e.authenticate(created.Token); !errors.As(err, &ce) || ce.Reason != auth.ReasonRevoked {
		t.Errorf("revoked token: %v", err)
	}
	if !strings.Contains(e.ok("", "token", "list").stdout, "revoked") {
		t.Error("list does not show the revocation")
	}

	bad := []struct {
		code int
		args []string
		msg  string
	}{
		{2, []string{"token", "create", "--email", "a@b.org", "--role", "root"}, "--role"},
		{2, []string{"token", "create", "--role", "admin"}, "--email"},
		{2, []string{"token", "create", "--email", "a@b.org", "--role", "admin", "--ttl", "soon"}, "--ttl"},
		{1, []string{"token", "create", "--email", "not-an-email", "--role", "admin"}, "email"},
		{1, []string{"token", "revoke", "nosuch"}, "nosuch"},
		{2, []string{"token", "revoke"}, "ID"},
	}
	for _, b := range bad {
		r := e.fail(b.code, "", b.args...)
		if !strings.Contains(r.stderr, b.msg) {
			t.Errorf("%v: stderr lacks %q:\n%s", b.args, b.msg, r.stderr)
		}
	}
}
