package authtest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

func hashOf(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// testPendingLogin checks the OIDC sign-in states on the storage itself:
// kept as given, taken once, swept when expired.
func testPendingLogin(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	now := stored(start())
	pl := auth.PendingLogin{Binding: hashOf("browser"), Nonce: "nonce-1", Verifier: "verifier-1", Return: "/licenses/l1?tab=members", Expires: now.Add(10 * time.Minute)}
	if err := e.st.PutLogin(c, hashOf("state-1"), pl, now); err != nil {
		t.Fatal(err)
	}
	old := pl
	old.Nonce, old.Expires = "nonce-old", now.Add(time.Minute)
	if err := e.st.PutLogin(c, hashOf("state-old"), old, now); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.st.TakeLogin(c, hashOf("nosuch")); ok || err != nil {
		t.Errorf("TakeLogin(unknown) = %v, %v", ok, err)
	}
	got, ok, err := e.st.TakeLogin(c, hashOf("state-1"))
	if err != nil || !ok || string(got.Binding) != string(pl.Binding) || got.Nonce != pl.Nonce || got.Verifier != pl.Verifier || got.Return != pl.Return || !got.Expires.Equal(pl.Expires) {
		t.Errorf("TakeLogin = %+v, %v, %v; want %+v", got, ok, err, pl)
	}
	if _, ok, err := e.st.TakeLogin(c, hashOf("state-1")); ok || err != nil {
		t.Errorf("second TakeLogin = %v, %v: a state is good once", ok, err)
	}
	// A later start sweeps the one that ran out (at or before now), and
	// keeps one still under way.
	if err := e.st.PutLogin(c, hashOf("state-2"), pl, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.st.TakeLogin(c, hashOf("state-old")); ok || err != nil {
		t.Errorf("expired sign-in survived a sweep: %v, %v", ok, err)
	}
	if _, ok, err := e.st.TakeLogin(c, hashOf("state-2")); !ok || err != nil {
		t.Errorf("live sign-in after a sweep: %v, %v", ok, err)
	}
}
