package authtest

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

func testTokenCreateAndList(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	if l, err := e.s.ListTokens(c); err != nil || len(l) != 0 {
		t.Fatalf("empty store lists %d tokens, %v", len(l), err)
	}
	cases := []struct {
		email, wantEmail string
		role             auth.Role
		ttl              time.Duration
		note, wantNote   string
	}{
		{" Ann@District.ORG ", "ann@district.org", auth.RoleAdmin, 48 * time.Hour, "laptop", "laptop"},
		{"app@vendor.com", "app@vendor.com", auth.RoleApplication, 0, "", ""},
		{"ops@district.org", "ops@district.org", auth.RoleOperator, 90 * 24 * time.Hour, "  cron job  ", "cron job"},
		{"ann@district.org", "ann@district.org", auth.RoleAdmin, time.Second, strings.Repeat("n", 200), strings.Repeat("n", 200)},
	}
	var made []auth.Token
	plains := map[string]bool{}
	for i, tc := range cases {
		now := e.clock.Now()
		plain, tok, err := e.s.CreateToken(c, tc.email, tc.role, tc.ttl, tc.note)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if plains[plain] {
			t.Fatalf("case %d: a token was handed out twice", i)
		}
		plains[plain] = true
		if !strings.HasPrefix(plain, "rcat_") || len(plain) < 40 || tok.Prefix != plain[:len(tok.Prefix)] || len(tok.Prefix) >= len(plain)/2 {
			t.Errorf("case %d: plaintext %d chars, prefix %q", i, len(plain), tok.Prefix)
		}
		want := auth.Token{ID: tok.ID, Prefix: tok.Prefix, Email: tc.wantEmail, Role: tc.role, Note: tc.wantNote, Created: stored(now)}
		if tc.ttl > 0 {
			want.Expires = stored(now).Add(tc.ttl)
		}
		if tok.ID == "" || !sameToken(tok, want) {
			t.Errorf("case %d: token %+v, want %+v", i, tok, want)
		}
		got, err := e.s.Token(c, tok.ID)
		if err != nil || !sameToken(got, tok) {
			t.Errorf("case %d: Token(%s) = %+v, %v; want %+v", i, tok.ID, got, err, tok)
		}
		made = append(made, tok)
		// Two tokens in the same instant: the id breaks the tie.
		if i != 1 {
			e.clock.Advance(time.Minute + time.Nanosecond)
		}
	}
	list, err := e.s.ListTokens(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(made) {
		t.Fatalf("list has %d tokens, want %d", len(list), len(made))
	}
	for i := range list {
		if i > 0 {
			prev, cur := list[i-1], list[i]
			if cur.Created.Before(prev.Created) || (cur.Created.Equal(prev.Created) && cur.ID < prev.ID) {
				t.Errorf("list not oldest first (ties by id): %s %s before %s %s", prev.Created, prev.ID, cur.Created, cur.ID)
			}
		}
		found := false
		for _, m := range made {
			if sameToken(m, list[i]) {
				found = true
			}
		}
		if !found {
			t.Errorf("listed %+v, which was not made", list[i])
		}
	}
	if _, err := e.s.Token(c, "nosuch"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Token(nosuch) = %v, want ErrNotFound", err)
	}
}

func testTokenBadInput(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	cases := []struct {
		name  string
		email string
		role  auth.Role
		ttl   time.Duration
		note  string
	}{
		{"bad email", "not-an-email", auth.RoleAdmin, 0, ""},
		{"empty email", "", auth.RoleAdmin, 0, ""},
		{"bad role", "a@b.org", auth.Role("root"), 0, ""},
		{"empty role", "a@b.org", "", 0, ""},
		{"negative ttl", "a@b.org", auth.RoleAdmin, -time.Hour, ""},
		{"long note", "a@b.org", auth.RoleAdmin, 0, strings.Repeat("x", 201)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := e.s.CreateToken(c, tc.email, tc.role, tc.ttl, tc.note); !errors.Is(err, auth.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if l, err := e.s.ListTokens(c); err != nil || len(l) != 0 {
		t.Errorf("bad input stored %d tokens (%v)", len(l), err)
	}
}

// credential asserts err is a *CredentialError with reason and id.
func credential(t *testing.T, what string, err error, reason, id string) {
	t.Helper()
	var ce *auth.CredentialError
	if !errors.As(err, &ce) || ce.Reason != reason || ce.ID != id || !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("%s: err = %v, want %s credential error for %q", what, err, reason, id)
	}
}

func testTokenLookupBySecret(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	plain, tok, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	other, otherTok, err := e.s.CreateToken(c, "app@vendor.com", auth.RoleApplication, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	last := plain[len(plain)-1]
	flip := byte('A')
	if last == 'A' {
		flip = 'B'
	}
	cases := []struct {
		name      string
		presented string
		want      auth.Principal // zero: refused as unknown
	}{
		{"exact", plain, auth.Principal{Email: "ann@district.org", Role: auth.RoleAdmin, TokenID: tok.ID, Via: auth.ViaToken}},
		{"surrounding space", "  " + plain + "\n", auth.Principal{Email: "ann@district.org", Role: auth.RoleAdmin, TokenID: tok.ID, Via: auth.ViaToken}},
		{"other token", other, auth.Principal{Email: "app@vendor.com", Role: auth.RoleApplication, TokenID: otherTok.ID, Via: auth.ViaToken}},
		{"last character changed", plain[:len(plain)-1] + string(flip), auth.Principal{}},
		{"truncated", plain[:len(plain)-1], auth.Principal{}},
		{"extended", plain + "x", auth.Principal{}},
		{"prefix only", tok.Prefix, auth.Principal{}},
		{"id instead of token", tok.ID, auth.Principal{}},
		{"upper case", strings.ToUpper(plain), auth.Principal{}},
		{"empty", "", auth.Principal{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.s.Authenticate(c, tc.presented)
			if tc.want.Anonymous() {
				credential(t, "authenticate", err, auth.ReasonUnknown, "")
				return
			}
			if err != nil || p != tc.want {
				t.Errorf("Authenticate = %+v, %v; want %+v", p, err, tc.want)
			}
		})
	}
	// The storage keys the token by exactly its SHA-256, and nothing else.
	sum := sha256.Sum256([]byte(plain))
	rec, ok, err := e.st.TokenByHash(c, sum[:])
	if err != nil || !ok || rec.ID != tok.ID || string(rec.Hash) != string(sum[:]) {
		t.Errorf("TokenByHash(sha256(token)) = %+v, %v, %v; want token %s with that hash", rec, ok, err, tok.ID)
	}
	if _, ok, err := e.st.TokenByHash(c, []byte(plain)); ok || err != nil {
		t.Errorf("TokenByHash(plaintext) found %v, %v: the storage must key by hash", ok, err)
	}
}

func testTokenExpiry(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	cases := []struct {
		name   string
		after  time.Duration
		reason string // "" works
	}{
		{"just made", 0, ""},
		{"a microsecond before", time.Hour - time.Microsecond, ""},
		{"at expiry", time.Hour, auth.ReasonExpired},
		{"long after", 1000 * time.Hour, auth.ReasonExpired},
	}
	plain, tok, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	forever, _, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	made := e.clock.Now()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Set(made.Add(tc.after))
			_, err := e.s.Authenticate(c, plain)
			if tc.reason == "" {
				if err != nil {
					t.Errorf("Authenticate: %v", err)
				}
			} else {
				credential(t, "authenticate", err, tc.reason, tok.ID)
			}
			if _, err := e.s.Authenticate(c, forever); err != nil {
				t.Errorf("token without expiry: %v", err)
			}
			got, err := e.s.Token(c, tok.ID)
			if err != nil || got.Expired(e.clock.Now()) != (tc.reason != "") {
				t.Errorf("Token(%s).Expired = %v, %v at +%s", tok.ID, got.Expired(e.clock.Now()), err, tc.after)
			}
		})
	}
	// An expired token is still listed, not revoked.
	list, err := e.s.ListTokens(c)
	if err != nil || len(list) != 2 || !list[0].Revoked.IsZero() || !list[1].Revoked.IsZero() {
		t.Errorf("list after expiry = %+v, %v", list, err)
	}
}

func testTokenRevoke(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	plain, tok, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	keep, keepTok, err := e.s.CreateToken(c, "bob@district.org", auth.RoleAdmin, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	revokedAt := stored(e.clock.Now())
	if err := e.s.Revoke(c, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Authenticate(c, plain)
	credential(t, "revoked token", err, auth.ReasonRevoked, tok.ID)
	// Revoked wins over expired: the reason names the act, not the clock.
	e.clock.Advance(2 * time.Hour)
	_, err = e.s.Authenticate(c, plain)
	credential(t, "revoked and expired token", err, auth.ReasonRevoked, tok.ID)
	// A second revocation is no error and keeps the first time.
	if err := e.s.Revoke(c, tok.ID); err != nil {
		t.Errorf("second revoke: %v", err)
	}
	got, err := e.s.Token(c, tok.ID)
	if err != nil || !got.Revoked.Equal(revokedAt) {
		t.Errorf("revoked at %s (%v), want %s", got.Revoked, err, revokedAt)
	}
	if got.Active(e.clock.Now()) {
		t.Error("revoked token reports active")
	}
	if err := e.s.Revoke(c, "nosuch"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("revoke unknown: %v, want ErrNotFound", err)
	}
	if p, err := e.s.Authenticate(c, keep); err != nil || p.TokenID != keepTok.ID {
		t.Errorf("other token after a revocation: %+v, %v", p, err)
	}
	list, err := e.s.ListTokens(c)
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	for _, l := range list {
		if (l.ID == tok.ID) != !l.Revoked.IsZero() {
			t.Errorf("listed %s revoked at %s", l.ID, l.Revoked)
		}
	}
}

// testTokenRecordRoundTrip holds the storage to giving back exactly what
// it was given, times to the microsecond and in UTC.
func testTokenRecordRoundTrip(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	at := stored(start())
	recs := []auth.TokenRecord{
		{Token: auth.Token{ID: "a1", Prefix: "rcat_aaaaaa", Email: "a@b.org", Role: auth.RoleAdmin, Note: "ünïcode note", Created: at, Expires: at.Add(time.Hour)}, Hash: []byte("0123456789abcdef0123456789abcdef")},
		{Token: auth.Token{ID: "a2", Prefix: "rcat_bbbbbb", Email: "c@d.org", Role: auth.RoleApplication, Created: at, Revoked: at.Add(time.Microsecond)}, Hash: []byte("fedcba9876543210fedcba9876543210")},
	}
	for _, r := range recs {
		if err := e.st.PutToken(c, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs {
		byID, ok, err := e.st.TokenByID(c, r.ID)
		if err != nil || !ok || !sameToken(byID.Token, r.Token) || string(byID.Hash) != string(r.Hash) {
			t.Errorf("TokenByID(%s) = %+v, %v, %v; want %+v", r.ID, byID, ok, err, r)
		}
		byHash, ok, err := e.st.TokenByHash(c, r.Hash)
		if err != nil || !ok || byHash.ID != r.ID {
			t.Errorf("TokenByHash(%s) = %+v, %v, %v", r.ID, byHash, ok, err)
		}
		for _, tm := range []time.Time{byID.Created, byID.Expires, byID.Revoked} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Errorf("token %s: time %s not in UTC", r.ID, tm)
			}
		}
	}
	if _, ok, err := e.st.TokenByID(c, "nosuch"); ok || err != nil {
		t.Errorf("TokenByID(nosuch) = %v, %v", ok, err)
	}
	if _, ok, err := e.st.TokenByHash(c, make([]byte, 32)); ok || err != nil {
		t.Errorf("TokenByHash(zeros) = %v, %v", ok, err)
	}
	all, err := e.st.Tokens(c)
	if err != nil || len(all) != len(recs) {
		t.Errorf("Tokens = %d, %v; want %d", len(all), err, len(recs))
	}
	if ok, err := e.st.RevokeToken(c, "nosuch", at); ok || err != nil {
		t.Errorf("RevokeToken(nosuch) = %v, %v", ok, err)
	}
	if ok, err := e.st.RevokeToken(c, "a2", at.Add(time.Hour)); !ok || err != nil {
		t.Errorf("RevokeToken(a2) = %v, %v", ok, err)
	}
	if r, _, _ := e.st.TokenByID(c, "a2"); !r.Revoked.Equal(at.Add(time.Microsecond)) {
		t.Errorf("second revocation moved the time to %s", r.Revoked)
	}
}
