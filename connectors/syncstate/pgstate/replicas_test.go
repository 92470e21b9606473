package pgstate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// openN opens n States on one database, each with its own pool, as n
// replicas would; they open at the same time, so the migration runs under
// contention.
func openN(t *testing.T, url string, n int, opts pgstate.Options) []*pgstate.State {
	t.Helper()
	out := make([]*pgstate.State, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i], errs[i] = pgstate.Open(t.Context(), url, opts) })
	}
	wg.Wait()
	for i, s := range out {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		t.Cleanup(func() { _ = s.Close() })
	}
	return out
}

func TestReplicasRecordRunsWithoutGaps(t *testing.T) {
	const replicas, workers, each, limit = 3, 4, 15, 40
	ctx := t.Context()
	states := openN(t, testDatabase(t), replicas, pgstate.Options{HistoryLimit: limit})
	deps := []string{"a", "b"}
	var mu sync.Mutex
	got := map[string][]uint64{}
	var wg sync.WaitGroup
	for r, s := range states {
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					dep := deps[(r+w+i)%len(deps)]
					res := syncstate.ResultFailed
					if i%5 == 0 {
						res = syncstate.ResultSuccess
					}
					at := time.Unix(int64(r*10000+w*100+i), 0).UTC()
					run, err := s.RecordRun(ctx, syncstate.Run{Deployment: dep, Trigger: syncstate.TriggerSchedule, Started: at, Ended: at, Result: res})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got[dep] = append(got[dep], run.ID)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	total := 0
	for _, dep := range deps {
		ids := got[dep]
		total += len(ids)
		slices.Sort(ids)
		for i, id := range ids {
			if id != uint64(i+1) {
				t.Fatalf("deployment %s: IDs %v are not 1..%d without gaps or repeats", dep, ids, len(ids))
			}
		}
		rs, err := states[0].Runs(ctx, dep, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != min(limit, len(ids)) || rs[0].ID != uint64(len(ids)) {
			t.Errorf("deployment %s: kept %d runs, newest %d; want %d, newest %d", dep, len(rs), rs[0].ID, min(limit, len(ids)), len(ids))
		}
	}
	if total != replicas*workers*each {
		t.Fatalf("recorded %d runs, want %d", total, replicas*workers*each)
	}
}

func TestReplicasApproveOnce(t *testing.T) {
	ctx := t.Context()
	states := openN(t, testDatabase(t), 4, pgstate.Options{})
	for round := range 10 {
		p, err := states[0].PutPending(ctx, syncstate.Pending{Deployment: "hs", Removals: 30, Summary: "held", Plan: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		var wins, refused atomic.Int32
		var wg sync.WaitGroup
		for i, s := range states {
			wg.Go(func() {
				err := s.DecidePending(ctx, p.ID, syncstate.StatusApproved, fmt.Sprint("admin", i))
				var de *syncstate.DecisionError
				switch {
				case err == nil:
					wins.Add(1)
				case errors.As(err, &de) && de.Status == syncstate.StatusApproved:
					refused.Add(1)
				default:
					t.Errorf("round %d replica %d: %v", round, i, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || refused.Load() != int32(len(states)-1) {
			t.Fatalf("round %d: %d approvals won, %d refused; want exactly 1 and %d", round, wins.Load(), refused.Load(), len(states)-1)
		}
		got, err := states[1].GetPending(ctx, p.ID)
		if err != nil || got.Status != syncstate.StatusApproved || !strings.HasPrefix(got.DecidedBy, "admin") {
			t.Fatalf("round %d: plan after the race = %+v, %v", round, got, err)
		}
	}
}

func TestReplicasCountFailuresTogether(t *testing.T) {
	const each = 20
	ctx := t.Context()
	states := openN(t, testDatabase(t), 3, pgstate.Options{})
	var wg sync.WaitGroup
	for _, s := range states {
		wg.Go(func() {
			for range each {
				if _, err := s.UpdateHealth(ctx, "hs", func(h *syncstate.Health) { h.Failures++ }); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	h, err := states[2].Health(ctx, "hs")
	if err != nil || h.Failures != len(states)*each {
		t.Fatalf("Health = %+v, %v; want %d failures (no update lost between replicas)", h, err, len(states)*each)
	}
}

// TestUnfinishedSeenByAnotherProcess: a run begun by one process that
// then dies (its pool closed without ending the run) is found by the next.
func TestUnfinishedSeenByAnotherProcess(t *testing.T) {
	ctx := t.Context()
	url := testDatabase(t)
	first, err := pgstate.Open(ctx, url, pgstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	begun, err := first.BeginRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerSchedule, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	_ = first.Close()
	second := openN(t, url, 1, pgstate.Options{})[0]
	un, err := second.Unfinished(ctx)
	if err != nil || len(un) != 1 || un[0].ID != begun.ID || un[0].Result != syncstate.ResultRunning {
		t.Fatalf("Unfinished in the next process = %+v, %v; want run %d running", un, err, begun.ID)
	}
}

func TestSchemaVersionOwnTable(t *testing.T) {
	ctx := t.Context()
	url := testDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// Another component's version table, far ahead, must not matter.
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL);
		INSERT INTO schema_version VALUES (42, 'license store')`); err != nil {
		t.Fatal(err)
	}
	s := openN(t, url, 1, pgstate.Options{})[0]
	if _, err := s.RecordRun(ctx, syncstate.Run{Deployment: "hs", Trigger: syncstate.TriggerManual, Result: syncstate.ResultSuccess}); err != nil {
		t.Fatal(err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT max(version) FROM syncstate_schema_version`).Scan(&have); err != nil || have != pgstate.SchemaVersion() {
		t.Fatalf("syncstate_schema_version = %d, %v; want %d", have, err, pgstate.SchemaVersion())
	}
	// Reopening migrates nothing and keeps the data.
	again := openN(t, url, 1, pgstate.Options{})[0]
	if r, ok, err := again.LastSuccess(ctx, "hs"); err != nil || !ok || r.ID != 1 {
		t.Fatalf("LastSuccess after reopen = %+v, %v, %v", r, ok, err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO syncstate_schema_version (version, name) VALUES ($1, 'from the future')`, pgstate.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	_, err = pgstate.Open(ctx, url, pgstate.Options{})
	var se *syncstate.SchemaError
	if !errors.Is(err, syncstate.ErrSchemaTooNew) || !errors.As(err, &se) || se.Found != uint64(pgstate.SchemaVersion()+1) || !strings.Contains(se.Path, "rc_") {
		t.Fatalf("Open of a newer schema = %v; want a SchemaError naming the database and version %d", err, pgstate.SchemaVersion()+1)
	}
}

func TestCancelledContextWritesNothing(t *testing.T) {
	s := openN(t, testDatabase(t), 1, pgstate.Options{})[0]
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.RecordRun(ctx, syncstate.Run{Deployment: "d", Trigger: syncstate.TriggerManual, Result: syncstate.ResultSuccess}); !errors.Is(err, context.Canceled) {
		t.Errorf("RecordRun with a cancelled context = %v", err)
	}
	if rs, _ := s.Runs(t.Context(), "d", 0); len(rs) != 0 {
		t.Errorf("a cancelled RecordRun stored %d runs", len(rs))
	}
}

func TestOpenErrorsKeepThePasswordOut(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for _, url := range []string{
		"postgres://rollcall:hunter2-secret@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2",
		"postgres://rollcall:hunter2-secret@127.0.0.1:1/nowhere?sslmode=bogus",
	} {
		_, err := pgstate.Open(ctx, url, pgstate.Options{})
		if err == nil {
			t.Fatalf("Open(%s) succeeded", url)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	if _, err := pgstate.Open(ctx, "postgres://127.0.0.1:1/x?sslmode=disable", pgstate.Options{HistoryLimit: -1}); err == nil {
		t.Error("a negative history limit was accepted")
	}
}
