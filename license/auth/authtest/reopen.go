package authtest

import (
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// testReopen closes the storage and opens it again: tokens, revocations,
// sessions and pending sign-ins are all still there, unchanged.
func testReopen(t *testing.T, open Opener) {
	clk := newClock()
	e := openEnv(t, open, clk)
	c := ctx(t)
	plain, tok, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, 24*time.Hour, "kept")
	if err != nil {
		t.Fatal(err)
	}
	gonePlain, gone, err := e.s.CreateToken(c, "bob@district.org", auth.RoleOperator, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.Revoke(c, gone.ID); err != nil {
		t.Fatal(err)
	}
	p, err := e.s.Authenticate(c, plain)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.s.CreateSession(c, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := stored(clk.Now())
	if err := e.st.PutLogin(c, hashOf("state"), auth.PendingLogin{Nonce: "n1", Return: "/x", Expires: now.Add(time.Minute)}, now); err != nil {
		t.Fatal(err)
	}
	before, err := e.s.ListTokens(c)
	if err != nil {
		t.Fatal(err)
	}
	e.close(t)

	clk.Advance(30 * time.Second)
	e2 := openEnv(t, open, clk)
	after, err := e2.s.ListTokens(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("after reopen %d tokens, before %d", len(after), len(before))
	}
	for i := range before {
		if !sameToken(before[i], after[i]) {
			t.Errorf("token %d changed across reopen: %+v, then %+v", i, before[i], after[i])
		}
	}
	if got, err := e2.s.Authenticate(c, plain); err != nil || got != p {
		t.Errorf("token after reopen: %+v, %v", got, err)
	}
	_, err = e2.s.Authenticate(c, gonePlain)
	credential(t, "revoked token after reopen", err, auth.ReasonRevoked, gone.ID)
	if got, err := e2.s.Session(c, sess); err != nil || got.TokenID != tok.ID || got.Via != auth.ViaSession {
		t.Errorf("session after reopen: %+v, %v", got, err)
	}
	if l, ok, err := e2.st.TakeLogin(c, hashOf("state")); err != nil || !ok || l.Nonce != "n1" || l.Return != "/x" {
		t.Errorf("pending sign-in after reopen: %+v, %v, %v", l, ok, err)
	}
}
