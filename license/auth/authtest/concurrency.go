package authtest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// testParallelCreates starts tokens and sessions from many goroutines at
// once: every one is kept, none is lost or merged, and each works.
func testParallelCreates(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	const workers, each = 8, 6
	type made struct {
		plain, session string
		tok            auth.Token
	}
	out := make([][]made, workers)
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				email := fmt.Sprintf("user%d-%d@district.org", w, i)
				plain, tok, err := e.s.CreateToken(c, email, auth.RoleAdmin, time.Hour, "")
				if err != nil {
					errs <- err
					return
				}
				p, err := e.s.Authenticate(c, plain)
				if err != nil {
					errs <- fmt.Errorf("authenticate the token just made: %w", err)
					return
				}
				v, err := e.s.CreateSession(c, p, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				out[w] = append(out[w], made{plain, v, tok})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	list, err := e.s.ListTokens(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != workers*each {
		t.Fatalf("%d tokens listed after %d parallel creates", len(list), workers*each)
	}
	ids := map[string]bool{}
	for _, l := range list {
		ids[l.ID] = true
	}
	for w := range out {
		for i, m := range out[w] {
			if !ids[m.tok.ID] {
				t.Errorf("token %s missing from the list", m.tok.ID)
			}
			p, err := e.s.Session(c, m.session)
			want := fmt.Sprintf("user%d-%d@district.org", w, i)
			if err != nil || p.Email != want || p.TokenID != m.tok.ID {
				t.Errorf("session of %s = %+v, %v", want, p, err)
			}
		}
	}
}

// testParallelRevokeAndTake races callers for one thing: all revocations
// of one token succeed and leave one time; one pending sign-in is taken by
// exactly one caller.
func testParallelRevokeAndTake(t *testing.T, open Opener) {
	e := openEnv(t, open, newClock())
	c := ctx(t)
	_, tok, err := e.s.CreateToken(c, "ann@district.org", auth.RoleAdmin, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	now := stored(start())
	if err := e.st.PutLogin(c, hashOf("contested"), auth.PendingLogin{Nonce: "n", Expires: now.Add(time.Hour)}, now); err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for i := range n {
		wg.Go(func() {
			if _, err := e.st.RevokeToken(c, tok.ID, now.Add(time.Duration(i+1)*time.Second)); err != nil {
				t.Errorf("revoke %d: %v", i, err)
			}
			_, ok, err := e.st.TakeLogin(c, hashOf("contested"))
			if err != nil {
				t.Errorf("take %d: %v", i, err)
			}
			if ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if taken != 1 {
		t.Errorf("the sign-in state was taken %d times by %d racing callers, want once", taken, n)
	}
	got, err := e.s.Token(c, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revoked.IsZero() || got.Revoked.Before(now.Add(time.Second)) || got.Revoked.After(now.Add(n*time.Second)) {
		t.Errorf("revoked at %s, want one of the racing times", got.Revoked)
	}
}
