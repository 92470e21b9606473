package syncstate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// clock is a test clock that moves one second per reading, so every stamp
// it gives is distinct and ordered.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func open(t *testing.T, path string, opts syncstate.Options) *syncstate.State {
	t.Helper()
	s, err := syncstate.Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
		_ = s.Close()
	})
	return s
}

func run(dep string, result syncstate.Result, started time.Time) syncstate.Run {
	return syncstate.Run{
		Deployment: dep, Connector: "static", Trigger: syncstate.TriggerSchedule,
		Started: started, Ended: started.Add(time.Second), Result: result,
		Counts:       syncstate.Counts{Desired: 10, Added: 1, Updated: 2, Removed: 3, Overflow: 4, Skipped: 5, HeldRemovals: 6},
		SnapshotHash: "sha256:" + started.Format(time.RFC3339),
	}
}

func TestSurvivesReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sync.db")
	clk := newClock()
	s, err := syncstate.Open(path, syncstate.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	want := run("hs", syncstate.ResultSuccess, clk.Now())
	want.PlanID, want.Error = "plan-1", "none"
	rec, err := s.RecordRun(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.PutPending(ctx, syncstate.Pending{Deployment: "hs", Removals: 30, Summary: "30 > 20", Plan: json.RawMessage(`{"removes":["a@x.org"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	dep := connectors.Deployment{Name: "ou-math", Connector: "gdir", License: "lic1", RunTime: true, CreatedBy: "admin@x.org",
		Selection: connectors.Selection{Units: []string{"/Math"}}, DeletionLimit: connectors.DefaultDeletionLimit}
	if err := s.PutDeployment(ctx, dep); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v, %v; want 0600", fi.Mode().Perm(), err)
	}

	s = open(t, path, syncstate.Options{Now: clk.Now})
	got, ok, err := s.LastRun(ctx, "hs")
	if err != nil || !ok {
		t.Fatalf("LastRun after reopen: %v, %v", ok, err)
	}
	if !equalRun(got, rec) {
		t.Errorf("LastRun after reopen = %+v, want %+v", got, rec)
	}
	if gp, err := s.GetPending(ctx, p.ID); err != nil || gp.Status != syncstate.StatusPending || !bytes.Equal(gp.Plan, p.Plan) {
		t.Errorf("GetPending after reopen = %+v, %v", gp, err)
	}
	deps, err := s.Deployments(ctx)
	if err != nil || len(deps) != 1 || deps[0].Name != dep.Name || deps[0].CreatedBy != dep.CreatedBy || !slices.Equal(deps[0].Selection.Units, dep.Selection.Units) {
		t.Errorf("Deployments after reopen = %+v, %v", deps, err)
	}
	// IDs continue where they were.
	next, err := s.RecordRun(ctx, run("hs", syncstate.ResultFailed, clk.Now()))
	if err != nil || next.ID != rec.ID+1 {
		t.Errorf("run ID after reopen = %d, %v; want %d", next.ID, err, rec.ID+1)
	}
}

func equalRun(a, b syncstate.Run) bool {
	a.Started, b.Started = a.Started.UTC(), b.Started.UTC()
	a.Ended, b.Ended = a.Ended.UTC(), b.Ended.UTC()
	return a == b
}

// TestHistoryBounded drives random result sequences against a simple model:
// the history holds the last limit runs and the last success is the newest
// success or held run ever recorded.
func TestHistoryBounded(t *testing.T) {
	results := []syncstate.Result{syncstate.ResultSuccess, syncstate.ResultFailed, syncstate.ResultSkipped, syncstate.ResultHeld}
	tests := []struct {
		name  string
		limit int
		runs  int
		first syncstate.Result // the first run's result; the rest fail
		mix   bool             // random results after the first
	}{
		{"success trimmed away is kept", 5, 40, syncstate.ResultSuccess, false},
		{"held counts as success", 3, 10, syncstate.ResultHeld, false},
		{"never a success", 4, 9, syncstate.ResultFailed, false},
		{"fewer runs than the limit", 50, 7, syncstate.ResultSuccess, true},
		{"random", 8, 200, syncstate.ResultSkipped, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			clk := newClock()
			rng := rand.New(rand.NewPCG(1, uint64(tt.runs)))
			s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{HistoryLimit: tt.limit})
			var all []syncstate.Run
			var lastOK *syncstate.Run
			for i := range tt.runs {
				res := syncstate.ResultFailed
				switch {
				case i == 0:
					res = tt.first
				case tt.mix:
					res = results[rng.IntN(len(results))]
				}
				r, err := s.RecordRun(ctx, run("d", res, clk.Now()))
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, r)
				if res == syncstate.ResultSuccess || res == syncstate.ResultHeld {
					lastOK = &all[len(all)-1]
				}
				// Another deployment's runs must not count against d's history.
				if _, err := s.RecordRun(ctx, run("other", syncstate.ResultSuccess, clk.Now())); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Runs(ctx, "d", 0)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(all[max(0, len(all)-tt.limit):])
			slices.Reverse(want)
			if !slices.EqualFunc(got, want, equalRun) {
				t.Errorf("Runs = %d runs %v, want %d runs %v", len(got), ids(got), len(want), ids(want))
			}
			if top, _ := s.Runs(ctx, "d", 2); !slices.EqualFunc(top, want[:min(2, len(want))], equalRun) {
				t.Errorf("Runs(limit 2) = %v, want %v", ids(top), ids(want[:min(2, len(want))]))
			}
			last, ok, err := s.LastRun(ctx, "d")
			if err != nil || !ok || !equalRun(last, all[len(all)-1]) {
				t.Errorf("LastRun = %+v, %v, %v; want %+v", last, ok, err, all[len(all)-1])
			}
			succ, ok, err := s.LastSuccess(ctx, "d")
			if err != nil {
				t.Fatal(err)
			}
			if ok != (lastOK != nil) || (lastOK != nil && !equalRun(succ, *lastOK)) {
				t.Errorf("LastSuccess = %+v, %v; want %+v", succ, ok, lastOK)
			}
		})
	}
}

func ids(rs []syncstate.Run) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestLoweredLimitShrinksHistory(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sync.db")
	clk := newClock()
	s, err := syncstate.Open(path, syncstate.Options{HistoryLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := s.RecordRun(ctx, run("d", syncstate.ResultFailed, clk.Now())); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Close()
	s = open(t, path, syncstate.Options{HistoryLimit: 3})
	last, err := s.RecordRun(ctx, run("d", syncstate.ResultFailed, clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Runs(ctx, "d", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{last.ID, last.ID - 1, last.ID - 2}; !slices.Equal(ids(got), want) {
		t.Errorf("after lowering the limit to 3: runs %v, want %v", ids(got), want)
	}
}

func TestUnknownDeploymentHasNoRuns(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{})
	if rs, err := s.Runs(ctx, "nope", 0); err != nil || len(rs) != 0 {
		t.Errorf("Runs = %v, %v", rs, err)
	}
	if _, ok, err := s.LastRun(ctx, "nope"); ok || err != nil {
		t.Errorf("LastRun = %v, %v", ok, err)
	}
	if _, ok, err := s.LastSuccess(ctx, "nope"); ok || err != nil {
		t.Errorf("LastSuccess = %v, %v", ok, err)
	}
}

func TestRecordRunRejectsBadRuns(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		edit  func(*syncstate.Run)
		field string
	}{
		{"no deployment", func(r *syncstate.Run) { r.Deployment = "" }, "deployment"},
		{"unknown result", func(r *syncstate.Run) { r.Result = "ok" }, "result"},
		{"no result", func(r *syncstate.Run) { r.Result = "" }, "result"},
		{"unknown trigger", func(r *syncstate.Run) { r.Trigger = "cron" }, "trigger"},
		{"ends before it starts", func(r *syncstate.Run) { r.Ended = r.Started.Add(-time.Minute) }, "ended"},
	}
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run("d", syncstate.ResultSuccess, t0)
			tt.edit(&r)
			_, err := s.RecordRun(t.Context(), r)
			var fe *license.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, license.ErrInvalid) {
				t.Fatalf("RecordRun(%s) = %v; want a FieldError on %s", tt.name, err, tt.field)
			}
		})
	}
	if rs, _ := s.Runs(t.Context(), "d", 0); len(rs) != 0 {
		t.Errorf("rejected runs were stored: %v", ids(rs))
	}
}

func TestConcurrentRecordRun(t *testing.T) {
	const workers, each = 8, 25
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{HistoryLimit: 30})
	deps := []string{"a", "b"}
	var mu sync.Mutex
	got := map[string][]uint64{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				dep := deps[(w+i)%len(deps)]
				res := syncstate.ResultFailed
				if i%5 == 0 {
					res = syncstate.ResultSuccess
				}
				r, err := s.RecordRun(ctx, run(dep, res, time.Unix(int64(w*1000+i), 0)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got[dep] = append(got[dep], r.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, dep := range deps {
		idsOf := got[dep]
		slices.Sort(idsOf)
		for i, id := range idsOf {
			if id != uint64(i+1) {
				t.Fatalf("deployment %s: IDs %v are not 1..%d without gaps or repeats", dep, idsOf, len(idsOf))
			}
		}
		rs, err := s.Runs(ctx, dep, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != min(30, len(idsOf)) || rs[0].ID != uint64(len(idsOf)) {
			t.Errorf("deployment %s: kept %d runs, newest %d; want %d, newest %d", dep, len(rs), rs[0].ID, min(30, len(idsOf)), len(idsOf))
		}
	}
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	s, err := syncstate.Open(path, syncstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	})
	_ = db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = syncstate.Open(path, syncstate.Options{})
	var se *syncstate.SchemaError
	if !errors.Is(err, syncstate.ErrSchemaTooNew) || !errors.As(err, &se) || se.Found != 99 || se.Path != path {
		t.Fatalf("Open of a schema 99 file = %v; want a SchemaError naming the path and version 99", err)
	}
}

func TestLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	open(t, path, syncstate.Options{})
	_, err := syncstate.Open(path, syncstate.Options{Timeout: 10 * time.Millisecond})
	if !errors.Is(err, bolterrors.ErrTimeout) {
		t.Fatalf("second Open = %v; want a lock timeout", err)
	}
}

func TestBackupRestores(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "sync.db"), syncstate.Options{})
	clk := newClock()
	for i := range 5 {
		if _, err := s.RecordRun(ctx, run(fmt.Sprintf("d%d", i%2), syncstate.ResultSuccess, clk.Now())); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	n, err := s.Backup(ctx, &buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Backup = %d, %v; wrote %d", n, err, buf.Len())
	}
	copyPath := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c := open(t, copyPath, syncstate.Options{})
	for _, dep := range []string{"d0", "d1"} {
		a, _ := s.Runs(ctx, dep, 0)
		b, err := c.Runs(ctx, dep, 0)
		if err != nil || len(a) == 0 || !slices.EqualFunc(a, b, equalRun) {
			t.Errorf("deployment %s: backup runs %v, original %v (%v)", dep, ids(b), ids(a), err)
		}
	}
}

func TestCancelledContextWritesNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.RecordRun(ctx, run("d", syncstate.ResultSuccess, time.Unix(0, 0))); !errors.Is(err, context.Canceled) {
		t.Errorf("RecordRun with a cancelled context = %v", err)
	}
	if rs, _ := s.Runs(t.Context(), "d", 0); len(rs) != 0 {
		t.Errorf("a cancelled RecordRun stored %v", ids(rs))
	}
}

func TestRunTimeDeployments(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{})
	mk := func(name, lic string) connectors.Deployment {
		return connectors.Deployment{Name: name, Connector: "gdir", License: lic, RunTime: true}
	}
	for _, d := range []connectors.Deployment{mk("ou-b", "l1"), mk("ou-a", "l1"), mk("ou-b", "l2")} {
		if err := s.PutDeployment(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutDeployment(ctx, mk("Bad Name", "l1")); err == nil {
		t.Error("PutDeployment accepted an invalid name")
	}
	got, err := s.Deployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "ou-a" || got[1].Name != "ou-b" || got[1].License != "l2" {
		t.Errorf("Deployments = %+v; want ou-a and ou-b (replaced, license l2), by name", got)
	}
	if err := s.DeleteDeployment(ctx, "ou-a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDeployment(ctx, "ou-a"); !errors.Is(err, syncstate.ErrNotFound) {
		t.Errorf("second delete = %v; want ErrNotFound", err)
	}
	if got, _ := s.Deployments(ctx); len(got) != 1 || got[0].Name != "ou-b" {
		t.Errorf("after delete: %+v", got)
	}
}
