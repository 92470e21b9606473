package authtest

import (
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

func testSessionCreateGet(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	plain, tok, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	fromToken, err := e.s.Authenticate(c, plain)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   auth.Principal
		want auth.Principal
	}{
		{"from a token", fromToken, auth.Principal{Email: "ann@district.org", Role: auth.RoleAdmin, TokenID: tok.ID, Via: auth.ViaSession}},
		{"from oidc", auth.Principal{Email: "bob@district.org", Role: auth.RoleAdmin, Via: auth.ViaOIDC}, auth.Principal{Email: "bob@district.org", Role: auth.RoleAdmin, Via: auth.ViaOIDC}},
		{"operator, via unset", auth.Principal{Email: "ops@district.org", Role: auth.RoleOperator}, auth.Principal{Email: "ops@district.org", Role: auth.RoleOperator, Via: auth.ViaSession}},
	}
	values := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := e.s.CreateSession(c, tc.in, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if len(v) < 40 || v == plain || values[v] {
				t.Fatalf("session value %q: short, the token, or handed out twice", v)
			}
			values[v] = true
			got, err := e.s.Session(c, v)
			if err != nil || got != tc.want {
				t.Errorf("Session = %+v, %v; want %+v", got, err, tc.want)
			}
			// Stored under exactly the SHA-256 of the cookie value.
			sum := sha256.Sum256([]byte(v))
			rec, ok, err := e.st.Session(c, sum[:])
			if err != nil || !ok || rec.Principal != tc.want || !rec.Created.Equal(stored(e.clock.Now())) || !rec.Expires.Equal(stored(e.clock.Now()).Add(time.Hour)) {
				t.Errorf("storage Session(sha256(value)) = %+v, %v, %v", rec, ok, err)
			}
			if rec.Created.Location() != time.UTC || rec.Expires.Location() != time.UTC {
				t.Errorf("session times not in UTC: %s, %s", rec.Created, rec.Expires)
			}
			if _, ok, err := e.st.Session(c, []byte(v)); ok || err != nil {
				t.Errorf("storage Session(plaintext) found %v, %v: the storage must key by hash", ok, err)
			}
		})
	}
	if _, err := e.s.CreateSession(c, auth.Principal{}, time.Hour); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("anonymous session: %v, want ErrUnauthenticated", err)
	}
	for _, v := range []string{"", "nosuch", plain} {
		_, err := e.s.Session(c, v)
		credential(t, "session "+v, err, auth.ReasonUnknown, "")
	}
}

func testSessionTTL(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	p := auth.Principal{Email: "bob@district.org", Role: auth.RoleAdmin, Via: auth.ViaOIDC}
	cases := []struct {
		ask, get time.Duration
	}{
		{time.Hour, time.Hour},
		{0, auth.MaxSessionTTL},
		{-time.Hour, auth.MaxSessionTTL},
		{auth.MaxSessionTTL, auth.MaxSessionTTL},
		{auth.MaxSessionTTL + time.Hour, auth.MaxSessionTTL},
	}
	for _, tc := range cases {
		e.clock.Set(start())
		v, err := e.s.CreateSession(c, p, tc.ask)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(start().Add(tc.get - time.Microsecond))
		if _, err := e.s.Session(c, v); err != nil {
			t.Errorf("asked %s: a microsecond before %s: %v", tc.ask, tc.get, err)
		}
		e.clock.Set(start().Add(tc.get))
		_, err = e.s.Session(c, v)
		credential(t, "asked "+tc.ask.String()+", at "+tc.get.String(), err, auth.ReasonExpired, "")
	}
}

func testSessionExpiryAndSweep(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	p := auth.Principal{Email: "bob@district.org", Role: auth.RoleAdmin, Via: auth.ViaOIDC}
	short, err := e.s.CreateSession(c, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	long, err := e.s.CreateSession(c, p, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, err = e.s.Session(c, short)
	credential(t, "expired session, before any sweep", err, auth.ReasonExpired, "")
	// The next session started sweeps the expired one away: it is now
	// unknown, while the live one stays.
	if _, err := e.s.CreateSession(c, p, time.Hour); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Session(c, short)
	credential(t, "expired session, after a sweep", err, auth.ReasonUnknown, "")
	if got, err := e.s.Session(c, long); err != nil || got != p {
		t.Errorf("live session after a sweep: %+v, %v", got, err)
	}
}

func testSessionFollowsToken(t *testing.T, open Opener) {
	c := ctx(t)
	cases := []struct {
		name   string
		ttl    time.Duration
		act    func(e *env, id string) error
		reason string // "" works
	}{
		{"token fine", 0, func(*env, string) error { return nil }, ""},
		{"token revoked", 0, func(e *env, id string) error { return e.s.Revoke(c, id) }, auth.ReasonRevoked},
		{"token expired", time.Hour, func(e *env, _ string) error { e.clock.Advance(time.Hour); return nil }, auth.ReasonRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := openEnv(t, open, newClock())
			plain, tok, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, tc.ttl, "")
			if err != nil {
				t.Fatal(err)
			}
			p, err := e.s.Authenticate(c, plain)
			if err != nil {
				t.Fatal(err)
			}
			v, err := e.s.CreateSession(c, p, 2*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.act(e, tok.ID); err != nil {
				t.Fatal(err)
			}
			_, err = e.s.Session(c, v)
			if tc.reason == "" {
				if err != nil {
					t.Errorf("Session: %v", err)
				}
				return
			}
			credential(t, "session", err, tc.reason, "")
		})
	}
}

func testSessionDelete(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	p := auth.Principal{Email: "bob@district.org", Role: auth.RoleAdmin, Via: auth.ViaOIDC}
	gone, err := e.s.CreateSession(c, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := e.s.CreateSession(c, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteSession(c, gone); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Session(c, gone)
	credential(t, "deleted session", err, auth.ReasonUnknown, "")
	if _, err := e.s.Session(c, kept); err != nil {
		t.Errorf("the other session: %v", err)
	}
	for _, v := range []string{gone, "nosuch", ""} {
		if err := e.s.DeleteSession(c, v); err != nil {
			t.Errorf("DeleteSession(%q) again or unknown: %v", v, err)
		}
	}
}
