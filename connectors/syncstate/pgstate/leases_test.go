package pgstate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// fencedWrite is an apply transaction as license/postgres would run it:
// the fence is checked first, then the change is written; a refused fence
// rolls everything back.
func fencedWrite(ctx context.Context, s *pgstate.State, f pgstate.Fence, what string) error {
	return pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
		if err := pgstate.CheckContextFence(pgstate.WithFence(ctx, f), tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO applied (deployment, token, what) VALUES ($1, $2, $3)`, f.Deployment, f.Token, what)
		return err
	})
}

func leaseStates(t *testing.T, n int) []*pgstate.State {
	t.Helper()
	states := openN(t, testDatabase(t), n, pgstate.Options{})
	if _, err := states[0].Pool().Exec(t.Context(), `CREATE TABLE applied (deployment text, token bigint, what text)`); err != nil {
		t.Fatal(err)
	}
	return states
}

func applied(t *testing.T, s *pgstate.State) []string {
	t.Helper()
	rows, err := s.Pool().Query(t.Context(), `SELECT what FROM applied ORDER BY what`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLeaseContendersNeverBothHold: replicas race for one deployment's
// lease many times; whoever wins does a fenced write and releases. No two
// are ever inside at once, every acquisition has a token above all before
// it, and every write a holder made is kept.
func TestLeaseContendersNeverBothHold(t *testing.T) {
	const replicas, rounds = 4, 25
	ctx := t.Context()
	states := leaseStates(t, replicas)
	var (
		inside, maxInside atomic.Int32
		mu                sync.Mutex
		tokens            []int64
		wins              atomic.Int32
	)
	var wg sync.WaitGroup
	for r, s := range states {
		wg.Go(func() {
			holder := fmt.Sprint("replica-", r)
			for i := range rounds {
				l, err := s.Acquire(ctx, "hs", holder, 10*time.Second)
				if errors.Is(err, pgstate.ErrLeaseHeld) {
					time.Sleep(time.Millisecond)
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for m := maxInside.Load(); n > m && !maxInside.CompareAndSwap(m, n); m = maxInside.Load() {
				}
				mu.Lock()
				tokens = append(tokens, l.Token)
				mu.Unlock()
				if err := fencedWrite(ctx, s, l.Fence(), fmt.Sprintf("%s-%03d", holder, i)); err != nil {
					t.Errorf("%s: a write under a held lease was refused: %v", holder, err)
				}
				wins.Add(1)
				inside.Add(-1)
				if err := s.Release(ctx, l); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Fatalf("%d replicas held the lease at once", maxInside.Load())
	}
	if !slices.IsSorted(tokens) || len(slices.Compact(slices.Clone(tokens))) != len(tokens) || len(tokens) < 2 {
		t.Fatalf("tokens in order of acquisition = %v; want strictly increasing", tokens)
	}
	if got := len(applied(t, states[0])); got != int(wins.Load()) {
		t.Fatalf("%d writes kept, %d made under a lease", got, wins.Load())
	}
}

// TestLeaseExpiryAndStaleHolder: a lease that is not renewed expires and
// another replica takes over with a higher token; the old holder can
// neither renew nor write, and its write changes nothing.
func TestLeaseExpiryAndStaleHolder(t *testing.T) {
	ctx := t.Context()
	states := leaseStates(t, 2)
	a, b := states[0], states[1]
	const ttl = time.Second
	la, err := a.Acquire(ctx, "hs", "a", ttl)
	if err != nil || la.Token != 1 {
		t.Fatalf("first Acquire = %+v, %v; want token 1", la, err)
	}
	_, err = b.Acquire(ctx, "hs", "b", ttl)
	var held *pgstate.LeaseHeldError
	if !errors.As(err, &held) || held.Holder != "a" {
		t.Fatalf("Acquire of a held lease = %v; want LeaseHeldError naming a", err)
	}
	if la, err = a.Renew(ctx, la, ttl); err != nil {
		t.Fatalf("Renew by the holder: %v", err)
	}
	if ls, err := b.Leases(ctx); err != nil || len(ls) != 1 || ls[0].Holder != "a" {
		t.Fatalf("Leases = %+v, %v", ls, err)
	}
	if err := fencedWrite(ctx, a, la.Fence(), "a-before"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(ctx, "ms", "b", ttl); err != nil {
		t.Fatalf("another deployment's lease is not free: %v", err)
	}

	time.Sleep(ttl + 200*time.Millisecond) // a is paused past its lease
	// Expired but not yet taken over: a may not write either.
	var fe *pgstate.FenceError
	if err := fencedWrite(ctx, a, la.Fence(), "a-expired"); !errors.As(err, &fe) || !fe.Expired {
		t.Fatalf("write under an expired lease = %v; want FenceError (expired)", err)
	}
	lb, err := b.Acquire(ctx, "hs", "b", ttl)
	if err != nil || lb.Token != la.Token+1 {
		t.Fatalf("takeover = %+v, %v; want token %d", lb, err, la.Token+1)
	}
	if _, err := a.Renew(ctx, la, ttl); !errors.Is(err, pgstate.ErrLeaseLost) {
		t.Fatalf("Renew by the old holder = %v; want ErrLeaseLost", err)
	}
	err = fencedWrite(ctx, a, la.Fence(), "a-stale")
	if !errors.Is(err, pgstate.ErrFenced) || !errors.As(err, &fe) || fe.Current != lb.Token || fe.Holder != "b" || fe.Expired {
		t.Fatalf("write with the stale token = %v; want FenceError naming b's token", err)
	}
	if err := a.Release(ctx, la); err != nil { // a lost lease: nothing happens
		t.Fatal(err)
	}
	if err := fencedWrite(ctx, b, lb.Fence(), "b-after"); err != nil {
		t.Fatalf("the new holder cannot write: %v", err)
	}
	if got := applied(t, a); !slices.Equal(got, []string{"a-before", "b-after"}) {
		t.Fatalf("applied = %v; want only a-before and b-after", got)
	}
	if err := pgstate.CheckFence(ctx, a.Pool(), pgstate.Fence{Deployment: "never", Token: 1}); !errors.Is(err, pgstate.ErrFenced) {
		t.Fatalf("a fence on a deployment never leased = %v; want ErrFenced", err)
	}
	// Release frees it at once, and the token keeps growing.
	if err := b.Release(ctx, lb); err != nil {
		t.Fatal(err)
	}
	if l, err := a.Acquire(ctx, "hs", "a", ttl); err != nil || l.Token != lb.Token+1 {
		t.Fatalf("Acquire after release = %+v, %v; want token %d", l, err, lb.Token+1)
	}
}

// TestLeaseTakeoverWaitsForCheckedWrite: a write transaction that passed
// the fence holds it until it ends; a takeover waits for it, and the next
// write of the old holder is refused. This is the paused-then-resumed
// replica: whatever it applies lands before the new holder begins.
func TestLeaseTakeoverWaitsForCheckedWrite(t *testing.T) {
	ctx := t.Context()
	states := leaseStates(t, 2)
	a, b := states[0], states[1]
	const ttl = time.Second
	la, err := a.Acquire(ctx, "hs", "a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := a.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := pgstate.CheckFence(ctx, tx, la.Fence()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	took := make(chan pgstate.Lease, 1)
	go func() {
		l, err := b.Acquire(ctx, "hs", "b", time.Minute)
		if err != nil {
			t.Error(err)
		}
		took <- l
	}()
	select {
	case l := <-took:
		t.Fatalf("takeover %+v did not wait for the checked write transaction", l)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := tx.Exec(ctx, `INSERT INTO applied VALUES ('hs', $1, 'a-inflight')`, la.Token); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	lb := <-took
	if lb.Token != la.Token+1 {
		t.Fatalf("takeover token %d, want %d", lb.Token, la.Token+1)
	}
	if err := fencedWrite(ctx, a, la.Fence(), "a-late"); !errors.Is(err, pgstate.ErrFenced) {
		t.Fatalf("the resumed holder's next write = %v; want ErrFenced", err)
	}
	if got := applied(t, a); !slices.Equal(got, []string{"a-inflight"}) {
		t.Fatalf("applied = %v", got)
	}
}

func TestLeaseArguments(t *testing.T) {
	s := leaseStates(t, 1)[0]
	for _, c := range []struct {
		dep, holder string
		ttl         time.Duration
	}{{"", "a", time.Second}, {"hs", "", time.Second}, {"hs", "a", 0}} {
		if _, err := s.Acquire(t.Context(), c.dep, c.holder, c.ttl); err == nil {
			t.Errorf("Acquire(%q, %q, %s) accepted", c.dep, c.holder, c.ttl)
		}
	}
	if err := pgstate.CheckContextFence(t.Context(), s.Pool()); err != nil {
		t.Errorf("no fence in the context (a single process) = %v; want nil", err)
	}
}

// TestUnfinishedLeavesLeasedRunsAlone: a replica starting up does not
// list the running run of a deployment another live replica holds; once
// that lease expires (the replica died) it is listed, and the replica
// that takes the lease over finds it with UnfinishedOf.
func TestUnfinishedLeavesLeasedRunsAlone(t *testing.T) {
	ctx := t.Context()
	states := leaseStates(t, 2)
	a, b := states[0], states[1]
	const ttl = time.Second
	if _, err := a.Acquire(ctx, "hs", "a", ttl); err != nil {
		t.Fatal(err)
	}
	run, err := a.BeginRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerSchedule, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.BeginRun(ctx, syncstate.Run{Deployment: "ms", Trigger: syncstate.TriggerSchedule, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	un, err := b.Unfinished(ctx)
	if err != nil || len(un) != 1 || un[0].Deployment != "ms" {
		t.Fatalf("Unfinished while a holds hs = %+v, %v; want only ms (nobody holds it)", un, err)
	}
	time.Sleep(ttl + 200*time.Millisecond) // a dies: its lease runs out
	if un, _ := b.Unfinished(ctx); len(un) != 2 {
		t.Fatalf("Unfinished after a's lease expired = %+v; want hs and ms", un)
	}
	if _, err := b.Acquire(ctx, "hs", "b", time.Minute); err != nil {
		t.Fatal(err)
	}
	of, err := b.UnfinishedOf(ctx, "hs")
	if err != nil || len(of) != 1 || of[0].ID != run.ID {
		t.Fatalf("UnfinishedOf(hs) by the new holder = %+v, %v; want a's run %d", of, err, run.ID)
	}
}
