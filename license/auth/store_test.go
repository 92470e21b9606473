package auth

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openTest(t *testing.T) (*Store, *clock) {
	t.Helper()
	c := newClock()
	s, err := Open(filepath.Join(t.TempDir(), "auth.db"), Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	s, _ := openTest(t)
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("auth.db mode %o, want 600", perm)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	plain, tok, err := s.CreateToken(ctx, " Ann@District.ORG ", RoleAdmin, 48*time.Hour, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Email != "ann@district.org" || tok.Role != RoleAdmin || tok.Note != "laptop" {
		t.Errorf("token = %+v", tok)
	}
	if len(plain) < 40 || tok.Prefix != plain[:len(tok.Prefix)] {
		t.Errorf("plaintext %d chars, prefix %q", len(plain), tok.Prefix)
	}
	p, err := s.Authenticate(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	want := Principal{Email: "ann@district.org", Role: RoleAdmin, TokenID: tok.ID, Via: ViaToken}
	if p != want {
		t.Errorf("principal %+v, want %+v", p, want)
	}

	c.Advance(time.Minute)
	other, otherTok, err := s.CreateToken(ctx, "app@vendor.com", RoleApplication, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if other == plain || otherTok.ID == tok.ID {
		t.Fatal("two tokens are the same")
	}

	cases := []struct {
		name   string
		token  string
		reason string
	}{
		{"wrong", plain[:len(plain)-1] + "x", ReasonUnknown},
		{"empty", "", ReasonUnknown},
		{"prefix only", tok.Prefix, ReasonUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Authenticate(ctx, tc.token)
			var ce *CredentialError
			if !errors.As(err, &ce) || ce.Reason != tc.reason || !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("err = %v, want %s credential error", err, tc.reason)
			}
		})
	}

	c.Advance(48 * time.Hour)
	_, err = s.Authenticate(ctx, plain)
	var ce *CredentialError
	if !errors.As(err, &ce) || ce.Reason != ReasonExpired {
		t.Errorf("after ttl: err = %v, want expired", err)
	}
	if _, err := s.Authenticate(ctx, other); err != nil {
		t.Errorf("token without expiry: %v", err)
	}
	if err := s.Revoke(ctx, otherTok.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, otherTok.ID); err != nil {
		t.Errorf("second revoke: %v", err)
	}
	if _, err := s.Authenticate(ctx, other); !errors.As(err, &ce) || ce.Reason != ReasonRevoked {
		t.Errorf("revoked: err = %v", err)
	}
	if err := s.Revoke(ctx, "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	list, err := s.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != tok.ID || list[1].Revoked.IsZero() {
		t.Errorf("list = %+v", list)
	}

	// Neither the database file nor a token's error text holds a plaintext.
	s.Close()
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{plain, other} {
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(secret[len(tok.Prefix):])) {
			t.Errorf("auth.db holds a token in plain text")
		}
	}
}

func TestCreateTokenRejectsBadInput(t *testing.T) {
	s, _ := openTest(t)
	cases := []struct {
		name  string
		email string
		role  Role
		ttl   time.Duration
	}{
		{"bad email", "not-an-email", RoleAdmin, 0},
		{"bad role", "a@b.org", Role("root"), 0},
		{"empty role", "a@b.org", "", 0},
		{"negative ttl", "a@b.org", RoleAdmin, -time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := s.CreateToken(context.Background(), tc.email, tc.role, tc.ttl, ""); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if l, _ := s.ListTokens(context.Background()); len(l) != 0 {
		t.Errorf("bad input stored %d tokens", len(l))
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	plain, tok, err := s.CreateToken(ctx, "ann@district.org", RoleAdmin, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Authenticate(ctx, plain)
	v, err := s.CreateSession(ctx, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if v == plain {
		t.Fatal("session value is the token")
	}
	got, err := s.Session(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != p.Email || got.Role != p.Role || got.Via != ViaSession || got.TokenID != tok.ID {
		t.Errorf("session principal %+v", got)
	}
	if _, err := s.CreateSession(ctx, Principal{}, time.Hour); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("anonymous session: %v", err)
	}

	// A session made from a token dies with it.
	if err := s.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	var ce *CredentialError
	if _, err := s.Session(ctx, v); !errors.As(err, &ce) || ce.Reason != ReasonRevoked {
		t.Errorf("session of revoked token: %v", err)
	}

	oidcP := Principal{Email: "bob@district.org", Role: RoleAdmin, Via: ViaOIDC}
	v2, err := s.CreateSession(ctx, oidcP, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, v2); err != nil || got != oidcP {
		t.Errorf("oidc session = %+v, %v", got, err)
	}
	c.Advance(time.Hour)
	if _, err := s.Session(ctx, v2); !errors.As(err, &ce) || ce.Reason != ReasonExpired {
		t.Errorf("expired session: %v", err)
	}
	v3, err := s.CreateSession(ctx, oidcP, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, v3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, v3); !errors.As(err, &ce) || ce.Reason != ReasonUnknown {
		t.Errorf("deleted session: %v", err)
	}
}

func TestSessionCookie(t *testing.T) {
	cases := []struct {
		tls      bool
		name     string
		secure   bool
		ttl      time.Duration
		maxAge   int
		hasValue bool
	}{
		{false, "rollcall_session", false, time.Hour, 3600, true},
		{true, "__Host-rollcall_session", true, time.Hour, 3600, true},
		{true, "__Host-rollcall_session", true, 0, -1, false},
	}
	for _, tc := range cases {
		c := SessionCookie("v", tc.tls, tc.ttl)
		if c.Name != tc.name || c.Secure != tc.secure || !c.HttpOnly || c.SameSite != 2 /* Lax */ || c.Path != "/" || c.Domain != "" || c.MaxAge != tc.maxAge || (c.Value != "") != tc.hasValue {
			t.Errorf("SessionCookie(tls=%v, %s) = %+v", tc.tls, tc.ttl, c)
		}
		if err := c.Valid(); err != nil {
			t.Errorf("cookie invalid: %v", err)
		}
	}
}

func TestParseTTL(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"90d", 90 * 24 * time.Hour, false},
		{"0", 0, false},
		{"", 0, false},
		{"12h", 12 * time.Hour, false},
		{"1h30m", 90 * time.Minute, false},
		{"-1d", 0, true},
		{"x", 0, true},
		{"5000d", 0, true},
		{"-3h", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseTTL(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseTTL(%q) = %s, %v", tc.in, got, err)
		}
	}
}
