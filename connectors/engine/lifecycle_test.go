package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // every reading moves, as a real clock does
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// failingStore fails Apply from its failAt-th call on, after the earlier
// calls committed: a store that breaks part way through a run.
type failingStore struct {
	license.Store
	mu     sync.Mutex
	calls  int
	failAt int
}

func (s *failingStore) Apply(ctx context.Context, id string, ch []license.Change, o license.ApplyOptions) (license.ApplyResult, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if s.failAt > 0 && n >= s.failAt {
		return license.ApplyResult{}, errors.New("disk full")
	}
	return s.Store.Apply(ctx, id, ch, o)
}

// newPolicyFixture is newFixture with the deployment and engine options
// edited, a test clock, and progress written after every batch.
func newPolicyFixture(t *testing.T, seats int, dep func(*connectors.Deployment), opt func(*Options)) (*fixture, *clock) {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), src: &source{}}
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	var err error
	f.store, err = bolt.Open(filepath.Join(f.dir, "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.state, err = syncstate.Open(filepath.Join(f.dir, "syncstate.db"), syncstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	if _, err := f.store.CreateLicense(t.Context(), license.License{ID: "hs", Name: "High School", Type: license.TypeSchool, Seats: seats}); err != nil {
		t.Fatal(err)
	}
	f.reg = prometheus.NewRegistry()
	f.metrics = metrics.New(f.reg)
	f.dep = connectors.Deployment{Name: "hs", Connector: "roster", License: "hs", DeletionLimit: connectors.DefaultDeletionLimit, Schedule: "@every 1h"}
	if dep != nil {
		dep(&f.dep)
	}
	o := Options{Store: f.store, State: f.state, Metrics: f.metrics, Now: clk.Now, ProgressEvery: -1,
		Connectors: map[string]connectors.Connector{"roster": f.src}, Deployments: []connectors.Deployment{f.dep}}
	if opt != nil {
		opt(&o)
	}
	f.engine, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	return f, clk
}

func TestRunStatesRecordedTruthfully(t *testing.T) {
	f, _ := newPolicyFixture(t, 100, nil, nil)
	f.metrics.InitDeployment("hs", "roster")
	f.src.set(people(0, 30, license.RoleStudent))
	run, err := f.run()
	if err != nil || run.Result != syncstate.ResultSuccess || run.Counts.Added != 30 || run.Mode != connectors.ModeMirror {
		t.Fatalf("first run = %+v, %v; want a mirror success adding 30", run, err)
	}

	// A source that returns nobody stops the run: guarded, not success.
	f.src.set(nil)
	run, err = f.run()
	if err != nil || run.Result != syncstate.ResultGuarded || run.Guard != reconcile.GuardEmptySource || run.Counts.Refused != 30 || run.Counts.Removed != 0 {
		t.Fatalf("empty source run = %+v, %v; want guarded by empty_source with 30 refused", run, err)
	}
	if !strings.Contains(run.Reason, "returned nobody") {
		t.Errorf("guarded run's reason %q does not say why", run.Reason)
	}
	if len(f.members()) != 30 {
		t.Fatal("a guarded run removed members")
	}

	// Over the deletion limit: held, naming the guard and the plan.
	f.src.set(people(0, 5, license.RoleStudent))
	run, err = f.run()
	if err != nil || run.Result != syncstate.ResultHeld || run.Guard != reconcile.GuardDeletionLimit || run.PlanID == "" || run.Counts.HeldRemovals != 25 {
		t.Fatalf("held run = %+v, %v; want held by deletion_limit, 25 removals, a plan id", run, err)
	}

	// The source fails: failed, with nothing removed.
	f.src.mu.Lock()
	f.src.failPage = 1
	f.src.mu.Unlock()
	run, err = f.run()
	if err == nil || run.Result != syncstate.ResultFailed || run.Error == "" {
		t.Fatalf("failing source run = %+v, %v; want failed with the error", run, err)
	}

	for _, c := range []struct {
		result string
		want   float64
	}{{"success", 1}, {"guarded", 1}, {"held", 1}, {"failed", 1}, {"skipped", 0}, {"interrupted", 0}} {
		if got := testutil.ToFloat64(f.metricRuns(c.result)); got != c.want {
			t.Errorf("rollcall_sync_runs_total{result=%q} = %v, want %v", c.result, got, c.want)
		}
	}
	runs, err := f.state.Runs(t.Context(), "hs", 0)
	if err != nil || len(runs) != 4 {
		t.Fatalf("runs = %d, %v; want 4", len(runs), err)
	}
	for i, r := range runs {
		if r.ID != uint64(4-i) || r.Ended.IsZero() || r.Result == syncstate.ResultRunning {
			t.Errorf("run %d = id %d, result %s, ended %v: want ids 4..1, all finished", i, r.ID, r.Result, r.Ended)
		}
	}
}

// A store failing on the third batch: the run fails, and its counts are
// the two batches the store committed, not zero and not the whole plan.
func TestFailedApplyCountsWhatWasCommitted(t *testing.T) {
	var fs *failingStore
	f, _ := newPolicyFixture(t, 100, nil, func(o *Options) {
		fs = &failingStore{Store: o.Store, failAt: 3}
		o.Store, o.BatchSize = fs, 10
	})
	f.src.set(people(0, 50, license.RoleStudent))
	run, err := f.run()
	if err == nil || run.Result != syncstate.ResultFailed {
		t.Fatalf("run = %+v, %v; want failed", run, err)
	}
	if run.Counts.Added != 20 || len(f.members()) != 20 {
		t.Fatalf("failed run counts %d added, store holds %d; want both 20 (two committed batches)", run.Counts.Added, len(f.members()))
	}
	stored, err := f.state.Run(t.Context(), "hs", run.ID)
	if err != nil || stored.Counts.Added != 20 || stored.Result != syncstate.ResultFailed {
		t.Fatalf("stored run = %+v, %v", stored, err)
	}
}

// A run left marked running (its process died) is recorded as
// interrupted at start, with the changes the store shows it applied.
func TestUnfinishedRunBecomesInterrupted(t *testing.T) {
	f, clk := newPolicyFixture(t, 100, nil, nil)
	ctx := t.Context()
	started := clk.Now()
	begun, err := f.state.BeginRun(ctx, syncstate.Run{Deployment: "hs", Connector: "roster", Trigger: TriggerSchedule, Started: started})
	if err != nil {
		t.Fatal(err)
	}
	// What the dead run committed, stamped with its start as the engine does.
	var ch []license.Change
	for _, p := range people(0, 7, license.RoleStudent) {
		ch = append(ch, license.Change{Op: license.OpUpsert, Email: strings.ToLower(p.Email), Source: f.dep.Source(), Role: license.RoleStudent})
	}
	if _, err := f.store.Apply(ctx, "hs", ch, license.ApplyOptions{Now: started, Actor: "x"}); err != nil {
		t.Fatal(err)
	}
	// Another source's changes at the same time are not the run's.
	if _, err := f.store.Apply(ctx, "hs", []license.Change{{Op: license.OpUpsert, Email: "admin-added@school.example.org", Source: license.SourceManual}}, license.ApplyOptions{Now: started}); err != nil {
		t.Fatal(err)
	}
	f.engine.Recover(ctx)
	got, err := f.state.Run(ctx, "hs", begun.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Result != syncstate.ResultInterrupted || got.Counts.Added != 7 || got.Ended.IsZero() {
		t.Fatalf("recovered run = %+v; want interrupted with 7 added", got)
	}
	if testutil.ToFloat64(f.metricRuns("interrupted")) != 1 {
		t.Error("the interrupted run is not counted in rollcall_sync_runs_total")
	}
	// The next run continues the IDs.
	f.src.set(people(0, 7, license.RoleStudent))
	run, err := f.run()
	if err != nil || run.ID != begun.ID+1 || run.Counts.Added != 0 {
		t.Fatalf("next run = %+v, %v; want id %d with nothing left to add", run, err, begun.ID+1)
	}
}

// StartRun answers with the running record at once; the caller going away
// (its context cancelled, as when an HTTP client disconnects) cancels
// nothing, and the run ends with true counts.
func TestStartRunOutlivesItsCaller(t *testing.T) {
	f, _ := newPolicyFixture(t, 100, nil, nil)
	f.src.set(people(0, 40, license.RoleStudent))
	f.src.mu.Lock()
	f.src.block, f.src.started = make(chan struct{}), make(chan struct{})
	f.src.mu.Unlock()
	ctx, cancel := context.WithCancel(t.Context())
	run, err := f.engine.StartRun(ctx, "hs", TriggerManual)
	if err != nil || run.ID == 0 || run.Result != syncstate.ResultRunning {
		t.Fatalf("StartRun = %+v, %v; want a running record with an ID", run, err)
	}
	<-f.src.started
	cancel() // the client went away
	if r, err := f.state.Run(t.Context(), "hs", run.ID); err != nil || r.Result != syncstate.ResultRunning {
		t.Fatalf("while it runs, its record = %+v, %v; want running", r, err)
	}
	// A second start while it runs is refused and recorded as skipped.
	if r, err := f.engine.StartRun(t.Context(), "hs", TriggerManual); !errors.Is(err, ErrRunning) || r.Result != syncstate.ResultSkipped {
		t.Fatalf("second StartRun = %+v, %v; want skipped with ErrRunning", r, err)
	}
	close(f.src.block)
	f.engine.Wait()
	got, err := f.state.Run(t.Context(), "hs", run.ID)
	if err != nil || got.Result != syncstate.ResultSuccess || got.Counts.Added != 40 || len(f.members()) != 40 {
		t.Fatalf("finished run = %+v, %v, %d members; want success adding 40", got, err, len(f.members()))
	}
}

func TestSyncModes(t *testing.T) {
	for _, tt := range []struct {
		mode                   string
		added, updated, remove int
		refused                int
		members                int
	}{
		{connectors.ModeMirror, 5, 1, 3, 0, 22},
		{connectors.ModeAddOnly, 5, 1, 0, 3, 25},
		{connectors.ModeRemoveOnly, 0, 0, 3, 6, 17},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			f, _ := newPolicyFixture(t, 100, func(d *connectors.Deployment) { d.Mode = tt.mode }, nil)
			f.src.set(people(0, 20, license.RoleStudent))
			if tt.mode == connectors.ModeRemoveOnly {
				// A remove-only deployment adds nobody: seed its claims as a mirror would have.
				var ch []license.Change
				for _, p := range people(0, 20, license.RoleStudent) {
					ch = append(ch, license.Change{Op: license.OpUpsert, Email: strings.ToLower(p.Email), Source: f.dep.Source(), Name: p.Name, Role: p.Role, ExternalID: p.ExternalID})
				}
				if _, err := f.store.Apply(t.Context(), "hs", ch, license.ApplyOptions{}); err != nil {
					t.Fatal(err)
				}
			} else if _, err := f.run(); err != nil {
				t.Fatal(err)
			}
			next := append(people(3, 17, license.RoleStudent), people(50, 5, license.RoleStudent)...)
			next[0].Name = "Renamed"
			f.src.set(next)
			run, err := f.run()
			if err != nil {
				t.Fatal(err)
			}
			c := run.Counts
			if run.Mode != tt.mode || c.Added != tt.added || c.Updated != tt.updated || c.Removed != tt.remove || c.Refused != tt.refused {
				t.Fatalf("run mode %s counts %+v; want mode %s, %d added, %d updated, %d removed, %d refused", run.Mode, c, tt.mode, tt.added, tt.updated, tt.remove, tt.refused)
			}
			if n := len(f.members()); n != tt.members {
				t.Fatalf("members = %d, want %d", n, tt.members)
			}
			plan, err := f.engine.DryRun(t.Context(), "hs")
			if err != nil || plan.Mode != tt.mode {
				t.Fatalf("dry run mode = %q, %v; want %s", plan.Mode, err, tt.mode)
			}
		})
	}
}

// More updates than max_update_percent of the claims hold the updates as a
// plan; adds still apply; approving applies the updates.
func TestUpdateStormHoldsUpdates(t *testing.T) {
	f, _ := newPolicyFixture(t, 100, nil, nil)
	base := people(0, 20, license.RoleStudent)
	f.src.set(base)
	if _, err := f.run(); err != nil {
		t.Fatal(err)
	}
	storm := append([]connectors.Person(nil), base...)
	for i := range 16 { // 80 % > 75 %
		storm[i].Name = fmt.Sprintf("Renamed %d", i)
	}
	storm = append(storm, people(90, 2, license.RoleStudent)...)
	f.src.set(storm)
	run, err := f.run()
	if err != nil || run.Result != syncstate.ResultHeld || run.Guard != reconcile.GuardUpdateStorm || run.Counts.HeldUpdates != 16 || run.Counts.Updated != 0 || run.Counts.Added != 2 {
		t.Fatalf("storm run = %+v, %v; want held by update_storm, 16 updates held, the 2 adds applied", run, err)
	}
	if f.members()["p000@school.example.org"].Name != "Person 0" {
		t.Fatal("a held update was applied")
	}
	appr, err := f.engine.Approve(t.Context(), run.PlanID, "admin@district.org")
	if err != nil || appr.Counts.Updated != 16 {
		t.Fatalf("approve = %+v, %v; want 16 updates applied", appr, err)
	}
	if f.members()["p000@school.example.org"].Name != "Renamed 0" {
		t.Fatal("the approved update is not in the store")
	}

	// Exactly at the bound (15 of 20 = 75 %) nothing is held.
	f2, _ := newPolicyFixture(t, 100, nil, nil)
	f2.src.set(base)
	if _, err := f2.run(); err != nil {
		t.Fatal(err)
	}
	edge := append([]connectors.Person(nil), base...)
	for i := range 15 {
		edge[i].Name = "Edge"
	}
	f2.src.set(edge)
	if run, err := f2.run(); err != nil || run.Result != syncstate.ResultSuccess || run.Counts.Updated != 15 {
		t.Fatalf("75 %% run = %+v, %v; want success with 15 updates", run, err)
	}
}

// credentialSource fails as a source refusing the credentials does.
type credentialSource struct{}

func (credentialSource) Fetch(context.Context, connectors.Selection, func([]connectors.Person) error) error {
	return fmt.Errorf("token endpoint: 401: %w", connectors.ErrCredentials)
}

func TestQuarantineEntryBackoffAndExit(t *testing.T) {
	f, clk := newPolicyFixture(t, 100, nil, func(o *Options) { o.QuarantineAfter = 3 })
	ctx := t.Context()
	f.src.set(people(0, 5, license.RoleStudent))
	f.src.mu.Lock()
	f.src.failPage = 1
	f.src.mu.Unlock()
	sched := func() syncstate.Run {
		t.Helper()
		r, _ := f.engine.Run(ctx, "hs", TriggerSchedule)
		return r
	}
	for i := range 2 {
		if r := sched(); r.Result != syncstate.ResultFailed {
			t.Fatalf("failure %d: %+v", i+1, r)
		}
	}
	if h, _ := f.state.Health(ctx, "hs"); h.Quarantined || h.Failures != 2 {
		t.Fatalf("after 2 failures: %+v; want counted, not quarantined", h)
	}
	sched() // the third
	h, err := f.state.Health(ctx, "hs")
	if err != nil || !h.Quarantined || h.Level != 1 || h.Until.Sub(h.Since) < 6*time.Hour-time.Second || h.Until.Sub(h.Since) > 6*time.Hour+time.Second {
		t.Fatalf("after 3 failures: %+v, %v; want quarantined for 6 h", h, err)
	}
	if g := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_sync_quarantined", map[string]string{"deployment": "hs"})); g != 1 {
		t.Fatalf("rollcall_sync_quarantined = %v, want 1", g)
	}
	fetches := f.src.fetches.Load()
	if r := sched(); r.Result != syncstate.ResultSkipped || !strings.Contains(r.Reason, "quarantined until") {
		t.Fatalf("scheduled run in quarantine = %+v; want skipped with the reason", r)
	}
	if f.src.fetches.Load() != fetches {
		t.Fatal("a quarantined deployment read its source")
	}
	// After the backoff one run goes through; failing, it backs off 12 h.
	clk.advance(6*time.Hour + time.Minute)
	if r := sched(); r.Result != syncstate.ResultFailed {
		t.Fatalf("run after the backoff = %+v; want it to run (and fail)", r)
	}
	h, _ = f.state.Health(ctx, "hs")
	if !h.Quarantined || h.Level != 2 || QuarantineBackoff(h.Level) != 12*time.Hour {
		t.Fatalf("after failing again: %+v; want level 2 (12 h)", h)
	}
	if QuarantineBackoff(3) != 24*time.Hour || QuarantineBackoff(9) != 24*time.Hour {
		t.Fatal("backoff after 12 h must be daily")
	}
	// An admin's retry now runs at once and, succeeding, ends it.
	f.src.mu.Lock()
	f.src.failPage = 0
	f.src.mu.Unlock()
	if r, err := f.run(); err != nil || r.Result != syncstate.ResultSuccess {
		t.Fatalf("retry now = %+v, %v", r, err)
	}
	if h, _ := f.state.Health(ctx, "hs"); h.Quarantined || h.Failures != 0 {
		t.Fatalf("after a success: %+v; want healthy", h)
	}
	if g := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_sync_quarantined", map[string]string{"deployment": "hs"})); g != 0 {
		t.Fatalf("rollcall_sync_quarantined = %v after the success, want 0", g)
	}

	// A credential error quarantines at the first failure.
	f.engine.conns["roster"] = credentialSource{}
	if r := sched(); r.Result != syncstate.ResultFailed {
		t.Fatalf("credential failure = %+v", r)
	}
	if h, _ := f.state.Health(ctx, "hs"); !h.Quarantined || h.Failures != 1 || !strings.Contains(h.Reason, "credentials") {
		t.Fatalf("after a credential error: %+v; want quarantined at once", h)
	}
}

func TestCalendarWindows(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cal := []connectors.Window{
		{Name: "summer", Kind: connectors.WindowBlackout, Start: day("2026-06-10"), End: day("2026-06-20"), Licenses: []string{"hs"}},
		{Name: "august", Kind: connectors.WindowAdditionsOnly, Start: day("2026-06-20"), End: day("2026-06-30")},
		{Name: "other", Kind: connectors.WindowBlackout, Start: day("2026-06-01"), End: day("2026-07-30"), Licenses: []string{"elsewhere"}},
	}
	f, clk := newPolicyFixture(t, 500, nil, func(o *Options) { o.Calendar = cal })
	ctx := t.Context()
	f.src.set(people(0, 100, license.RoleStudent))
	if r, err := f.run(); err != nil || r.Result != syncstate.ResultSuccess {
		t.Fatalf("run before the windows = %+v, %v", r, err)
	}

	clk.advance(10 * 24 * time.Hour) // 2026-06-11: blackout
	fetches := f.src.fetches.Load()
	r, err := f.run()
	if err != nil || r.Result != syncstate.ResultSkipped || !strings.Contains(r.Reason, `"summer" (blackout)`) {
		t.Fatalf("run in the blackout = %+v, %v; want skipped naming the window", r, err)
	}
	if f.src.fetches.Load() != fetches {
		t.Fatal("a blacked-out run read its source")
	}

	clk.advance(10 * 24 * time.Hour) // 2026-06-21: additions-only
	f.src.set(append(people(0, 95, license.RoleStudent), people(200, 10, license.RoleStudent)...))
	r, err = f.run()
	if err != nil || r.Result != syncstate.ResultHeld || r.Guard != reconcile.GuardCalendar || r.Counts.HeldRemovals != 5 || r.Counts.Added != 10 {
		t.Fatalf("run in additions-only = %+v, %v; want 10 added and the 5 removals held by the calendar", r, err)
	}

	// After the windows: the roster has collapsed to 60 of the 110 claims.
	// Against the current claims the deletion limit (10 %, at least 20)
	// would be 20; the resync measures against the 100 claims before the
	// windows, so 50 removals are held as well, and the mark is kept
	// until a run gets through.
	clk.advance(10 * 24 * time.Hour) // 2026-07-01
	f.src.set(people(0, 60, license.RoleStudent))
	if err := f.engine.Reject(ctx, r.PlanID, "admin"); err != nil {
		t.Fatal(err)
	}
	r, err = f.run()
	if err != nil || r.Result != syncstate.ResultHeld || r.Guard != reconcile.GuardDeletionLimit || !strings.Contains(r.Reason, "before the calendar window") {
		t.Fatalf("first run after the windows = %+v, %v; want held by the deletion limit measured before the window", r, err)
	}
	if _, ok, _ := f.state.WindowMark(ctx, "hs"); ok {
		t.Fatal("the window mark outlived the first run after the window")
	}
	f.src.set(people(0, 105, license.RoleStudent)) // the real roster comes back
	if r, err := f.run(); err != nil || r.Result != syncstate.ResultSuccess {
		t.Fatalf("run after the resync = %+v, %v", r, err)
	}
}

// With a grace period a leaver is marked leaving (still a member, still
// entitled unless the deployment revokes access), comes back with one
// audit event if the source claims them again, and is removed by the first
// sync after the date, under the deletion guard.
func TestGracePeriodLeavingRestoreAndRemoval(t *testing.T) {
	for _, revokes := range []bool{false, true} {
		t.Run(fmt.Sprintf("revokes=%v", revokes), func(t *testing.T) {
			f, clk := newPolicyFixture(t, 100, func(d *connectors.Deployment) {
				d.GracePeriod, d.GraceRevokes = 7*24*time.Hour, revokes
				d.DeletionLimit = connectors.DeletionLimit{Percent: 10, Min: 2}
			}, nil)
			ctx := t.Context()
			all := people(0, 20, license.RoleStudent)
			f.src.set(all)
			if _, err := f.run(); err != nil {
				t.Fatal(err)
			}
			f.src.set(all[3:]) // p000, p001, p002 leave
			run, err := f.run()
			if err != nil || run.Result != syncstate.ResultSuccess || run.Counts.Leaving != 3 || run.Counts.Removed != 0 || run.Counts.Updated != 0 {
				t.Fatalf("leavers' run = %+v, %v; want success marking 3 leaving, removing none", run, err)
			}
			ms := f.members()
			m := ms["p000@school.example.org"]
			if len(ms) != 20 || m.Status() != license.StatusLeaving {
				t.Fatalf("%d members, p000 %q; want 20 with p000 leaving", len(ms), m.Status())
			}
			ent, err := f.store.Entitlement(ctx, "p001@school.example.org")
			if err != nil {
				t.Fatal(err)
			}
			if entitled := len(ent.Licenses) == 1; entitled == revokes {
				t.Fatalf("a leaver's entitlement = %v with revokes %v", ent.Licenses, revokes)
			}
			// Unchanged source: nothing more is written.
			if run, _ := f.run(); run.Counts.Leaving+run.Counts.Removed+run.Counts.Updated != 0 {
				t.Fatalf("re-run while leaving changed things: %+v", run.Counts)
			}

			// p001 comes back: restored, with one audit event.
			f.src.set(append([]connectors.Person{all[1]}, all[3:]...))
			run, err = f.run()
			if err != nil || run.Counts.Restored != 1 || run.Counts.Added != 0 {
				t.Fatalf("return run = %+v, %v; want 1 restored", run, err)
			}
			evs, _ := f.store.Events(ctx, "hs", license.EventQuery{Email: "p001@school.example.org"})
			if n := len(evs); n != 3 || evs[2].Action != license.ActionClaimRestored {
				t.Fatalf("p001's trail: %+v; want added, leaving, restored", evs)
			}

			// After the date: the two still leaving go.
			clk.advance(8 * 24 * time.Hour)
			run, err = f.run()
			if err != nil || run.Counts.Removed != 2 || run.Result != syncstate.ResultSuccess {
				t.Fatalf("run after the date = %+v, %v; want 2 removed", run, err)
			}
			ms = f.members()
			if p001 := ms["p001@school.example.org"]; len(ms) != 18 || p001.Status() != license.StatusActive {
				t.Fatalf("after removal: %d members; want 18 with p001 active", len(ms))
			}

			// A mass departure past its date is held by the deletion guard.
			f.src.set(all[1:5])
			if run, _ := f.run(); run.Counts.Leaving != 15 {
				t.Fatalf("mass departure marked %d leaving, want 15 (p005-p019)", run.Counts.Leaving)
			}
			clk.advance(8 * 24 * time.Hour)
			run, err = f.run()
			if err != nil || run.Result != syncstate.ResultHeld || run.Counts.HeldRemovals != 15 || run.Counts.Removed != 0 {
				t.Fatalf("mass removal after the date = %+v, %v; want 15 removals held", run, err)
			}
		})
	}
}

// The change feed carries what a run applied (written by the store with
// each batch), held and refused; a run that holds the same again adds no
// duplicate entries.
func TestChangeFeedCarriesAppliedHeldAndRefused(t *testing.T) {
	f, _ := newPolicyFixture(t, 100, nil, nil)
	ctx := t.Context()
	f.src.set(people(0, 30, license.RoleStudent))
	if _, err := f.run(); err != nil {
		t.Fatal(err)
	}
	f.src.set(people(0, 5, license.RoleStudent)) // 25 removals: held
	held, err := f.run()
	if err != nil || held.Result != syncstate.ResultHeld {
		t.Fatal(held, err)
	}
	if _, err := f.run(); err != nil { // the same again
		t.Fatal(err)
	}
	f.src.set(nil) // empty: refused
	if _, err := f.run(); err != nil {
		t.Fatal(err)
	}
	feed, err := f.store.Feed(ctx, license.FeedQuery{License: "hs", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	count := map[license.Action]int{}
	for _, e := range feed {
		count[e.Action]++
	}
	if count[license.ActionMemberAdded] != 30 || count[license.ActionChangeHeld] != 25 || count[license.ActionChangeRefused] != 30 {
		t.Fatalf("feed actions %v; want 30 added, 25 held (once, not per run), 30 refused", count)
	}
	for _, e := range feed {
		if e.Action == license.ActionChangeHeld && !strings.Contains(e.Detail, held.PlanID) {
			t.Fatalf("held entry %+v does not name the plan %s", e, held.PlanID)
		}
	}
}
