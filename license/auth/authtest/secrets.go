package authtest

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// Secrets are the plaintexts WriteSecrets handed out, for a backend's own
// test to look for in its raw storage (file bytes, table rows).
type Secrets struct {
	Tokens   []string // whole API tokens
	Sessions []string // session cookie values
}

// All is every secret, and every token without its public prefix too.
func (s Secrets) All() []string {
	var out []string
	for _, tok := range s.Tokens {
		out = append(out, tok, strings.TrimPrefix(tok, "rcat_"))
	}
	return append(out, s.Sessions...)
}

// Hashes is the SHA-256 of every secret: what the storage keys them by.
func (s Secrets) Hashes() [][]byte {
	var out [][]byte
	for _, v := range append(append([]string(nil), s.Tokens...), s.Sessions...) {
		sum := sha256.Sum256([]byte(v))
		out = append(out, sum[:])
	}
	return out
}

// WriteSecrets makes tokens (live, expiring, revoked) and sessions on st
// through auth.Store and returns their plaintexts. It leaves st open.
func WriteSecrets(t testing.TB, st auth.Storage) Secrets {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := auth.New(st, auth.Options{})
	var out Secrets
	for i, ttl := range []time.Duration{0, time.Hour, 24 * time.Hour} {
		plain, tok, err := s.CreateToken(ctx, "secret-keeper@district.org", auth.RoleAdmin, ttl, "")
		if err != nil {
			t.Fatal(err)
		}
		out.Tokens = append(out.Tokens, plain)
		if i == 2 {
			if err := s.Revoke(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.Authenticate(ctx, plain)
		if err != nil && i != 2 {
			t.Fatal(err)
		}
		if err == nil {
			v, err := s.CreateSession(ctx, p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			out.Sessions = append(out.Sessions, v)
		}
	}
	v, err := s.CreateSession(ctx, auth.Principal{Email: "oidc@district.org", Role: auth.RoleAdmin, Via: auth.ViaOIDC}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	out.Sessions = append(out.Sessions, v)
	return out
}
