package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// source is a test connector over a roster the test changes between runs,
// with fault switches. It is safe for concurrent use.
type source struct {
	mu       sync.Mutex
	people   []connectors.Person
	pageSize int
	failPage int           // 1-based page that fails; 0: none
	panicNow bool          // Fetch panics
	block    chan struct{} // Fetch waits on it when set
	started  chan struct{} // closed when a blocked Fetch has begun
	fetches  atomic.Int32
}

func (s *source) set(people []connectors.Person) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.people = people
}

func (s *source) Fetch(ctx context.Context, _ connectors.Selection, emit func([]connectors.Person) error) error {
	s.fetches.Add(1)
	s.mu.Lock()
	people, size, fail, boom, block, started := s.people, s.pageSize, s.failPage, s.panicNow, s.block, s.started
	s.mu.Unlock()
	if boom {
		panic("connector bug")
	}
	if block != nil {
		close(started)
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if size == 0 {
		size = 10
	}
	for page := 1; len(people) > 0; page++ {
		if page == fail {
			return fmt.Errorf("page %d: upstream answered 503", page)
		}
		n := min(size, len(people))
		if err := emit(people[:n]); err != nil {
			return err
		}
		people = people[n:]
	}
	return nil
}

func people(from, n int, role license.Role) []connectors.Person {
	out := make([]connectors.Person, n)
	for i := range out {
		out[i] = connectors.Person{ExternalID: fmt.Sprint(from + i), Email: fmt.Sprintf("P%03d@School.example.org", from+i), Name: fmt.Sprintf("Person %d", from+i), Role: role}
	}
	return out
}

type fixture struct {
	t       *testing.T
	dir     string
	store   *bolt.Store
	state   *syncstate.State
	reg     *prometheus.Registry
	metrics *metrics.Metrics
	src     *source
	engine  *Engine
	dep     connectors.Deployment
	spill   int // engine's SpillAfter (a temporary SpillDir); 0: the default
	logs    *lockedBuffer
}

// lockedBuffer collects an engine's log lines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newFixture(t *testing.T, seats int) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), src: &source{}}
	f.open()
	if _, err := f.store.CreateLicense(context.Background(), license.License{ID: "hs", Name: "High School", Type: license.TypeSchool, Seats: seats}); err != nil {
		t.Fatal(err)
	}
	return f
}

// open opens (or reopens) the store, sync state and engine from f.dir.
func (f *fixture) open() {
	t := f.t
	var err error
	f.store, err = bolt.Open(filepath.Join(f.dir, "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.state, err = syncstate.Open(filepath.Join(f.dir, "syncstate.db"), syncstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.reg = prometheus.NewRegistry()
	f.metrics = metrics.New(f.reg)
	f.dep = connectors.Deployment{Name: "hs", Connector: "roster", License: "hs", DeletionLimit: connectors.DefaultDeletionLimit, Schedule: "@every 1h"}
	opts := Options{Store: f.store, State: f.state, Metrics: f.metrics,
		Connectors: map[string]connectors.Connector{"roster": f.src}, Deployments: []connectors.Deployment{f.dep}}
	if f.spill > 0 {
		opts.SpillAfter, opts.SpillDir = f.spill, t.TempDir()
	}
	if f.logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(f.logs, nil))
	}
	f.engine, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
}

func (f *fixture) close() {
	if f.state != nil {
		f.state.Close()
		f.state = nil
	}
	if f.store != nil {
		f.store.Close()
		f.store = nil
	}
}

func (f *fixture) run() (syncstate.Run, error) {
	return f.engine.Run(context.Background(), "hs", TriggerManual)
}

func (f *fixture) members() map[string]license.Member {
	f.t.Helper()
	out := map[string]license.Member{}
	opts := license.ListOptions{Limit: 1000}
	for {
		p, err := f.store.ListMembers(context.Background(), "hs", opts)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, m := range p.Members {
			out[m.Email] = m
		}
		if p.Next == "" {
			return out
		}
		opts.Cursor = p.Next
	}
}

func TestRunAddsUpdatesRemovesAndRecords(t *testing.T) {
	f := newFixture(t, 100)
	f.src.set(append(people(0, 30, license.RoleStudent), people(100, 2, license.RoleTeacher)...))
	run, err := f.run()
	if err != nil {
		t.Fatal(err)
	}
	if run.Result != syncstate.ResultSuccess || run.Counts.Added != 32 || run.Counts.Desired != 32 {
		t.Fatalf("first run = %+v, want success with 32 added", run)
	}
	ms := f.members()
	if len(ms) != 32 || ms["p100@school.example.org"].Role != license.RoleTeacher {
		t.Fatalf("members after first run: %d, p100 = %+v", len(ms), ms["p100@school.example.org"])
	}

	// A manual claim on someone the source will drop must survive.
	if _, err := f.store.Apply(context.Background(), "hs", []license.Change{{Op: license.OpUpsert, Email: "p000@school.example.org", Source: license.SourceManual}}, license.ApplyOptions{Actor: "admin@district.org"}); err != nil {
		t.Fatal(err)
	}
	next := people(0, 28, license.RoleStudent) // p028, p029 leave; p000 too? no: kept
	next = append(next[1:], people(100, 2, license.RoleTeacher)...)
	next[0].Name = "Renamed"
	f.src.set(next)
	run, err = f.run()
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Removed != 3 || run.Counts.Updated != 1 || run.Counts.Added != 0 {
		t.Fatalf("second run counts = %+v, want 3 removed (p000's claim, p028, p029), 1 updated", run.Counts)
	}
	ms = f.members()
	if _, ok := ms["p000@school.example.org"]; !ok {
		t.Fatal("p000 was removed although an admin claims them by hand")
	}
	p000 := ms["p000@school.example.org"]
	if got := p000.Sources(); len(got) != 1 || got[0] != license.SourceManual {
		t.Fatalf("p000 sources = %v, want only manual", got)
	}
	if _, ok := ms["p028@school.example.org"]; ok {
		t.Fatal("p028 left the source but is still a member")
	}
	if ms["p001@school.example.org"].Name != "Renamed" {
		t.Fatalf("p001 name = %q, want the source's new name", ms["p001@school.example.org"].Name)
	}

	runs, err := f.state.Runs(context.Background(), "hs", 10)
	if err != nil || len(runs) != 2 || runs[0].ID <= runs[1].ID {
		t.Fatalf("recorded runs = %+v, %v; want 2, newest first", runs, err)
	}
	if runs[0].SnapshotHash == "" || runs[0].SnapshotHash == runs[1].SnapshotHash {
		t.Fatal("snapshot hashes of two different sources should differ and be set")
	}

	// Third run, same source: nothing changes and the hash repeats.
	run, err = f.run()
	if err != nil || run.Counts.Added+run.Counts.Updated+run.Counts.Removed != 0 {
		t.Fatalf("unchanged source run = %+v, %v; want no changes", run, err)
	}
	if run.SnapshotHash != runs[0].SnapshotHash {
		t.Fatal("same source, different snapshot hash")
	}
}

func TestSourceFailingOnPageThreeOfFiveRemovesNobody(t *testing.T) {
	f := newFixture(t, 100)
	f.src.set(people(0, 50, license.RoleStudent))
	if _, err := f.run(); err != nil {
		t.Fatal(err)
	}
	f.src.mu.Lock()
	f.src.failPage = 3
	f.src.mu.Unlock()
	f.src.set(people(0, 50, license.RoleStudent)[:45]) // would remove 5 if it were believed
	run, err := f.run()
	if err == nil || run.Result != syncstate.ResultFailed || !strings.Contains(run.Error, "page 3") {
		t.Fatalf("run = %+v, err %v; want a failed run naming page 3", run, err)
	}
	if n := len(f.members()); n != 50 {
		t.Fatalf("members = %d after a failed source, want all 50", n)
	}
	if got := testutil.ToFloat64(f.metricRuns("failed")); got != 1 {
		t.Fatalf("failed runs metric = %v, want 1", got)
	}
	if _, ok, _ := f.state.LastSuccess(context.Background(), "hs"); !ok {
		t.Fatal("the earlier success should still be the last success")
	}
}

func (f *fixture) metricRuns(result string) prometheus.Collector {
	return gaugeOf(f.t, f.reg, "rollcall_sync_runs_total", map[string]string{"deployment": "hs", "connector": "roster", "result": result})
}

func TestEmptySourceRemovesNobody(t *testing.T) {
	f := newFixture(t, 100)
	f.src.set(people(0, 25, license.RoleStudent))
	if _, err := f.run(); err != nil {
		t.Fatal(err)
	}
	f.src.set(nil)
	run, err := f.run()
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Removed != 0 || len(f.members()) != 25 {
		t.Fatalf("empty source removed people: %+v", run.Counts)
	}
}

func TestDeletionLimitHoldsThenApproves(t *testing.T) {
	f := newFixture(t, 500)
	f.src.set(people(0, 300, license.RoleStudent))
	if _, err := f.run(); err != nil {
		t.Fatal(err)
	}
	// 40 leave (> max(20, 10% of 300)) and 5 arrive: the arrivals apply now.
	f.src.set(append(people(40, 260, license.RoleStudent), people(400, 5, license.RoleStudent)...))
	run, err := f.run()
	if err != nil {
		t.Fatal(err)
	}
	if run.Result != syncstate.ResultHeld || run.Counts.HeldRemovals != 40 || run.Counts.Added != 5 || run.PlanID == "" {
		t.Fatalf("run = %+v; want held with 40 held removals and 5 adds", run)
	}
	if n := len(f.members()); n != 305 {
		t.Fatalf("members = %d, want 305 (adds applied, removals held)", n)
	}
	if got := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_sync_pending_approvals", map[string]string{"deployment": "hs"})); got != 1 {
		t.Fatalf("pending approvals gauge = %v, want 1", got)
	}
	run, err = f.engine.Approve(context.Background(), run.PlanID, "admin@district.org")
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Removed != 40 || run.Trigger != TriggerApproval {
		t.Fatalf("approval run = %+v; want 40 removed", run)
	}
	if n := len(f.members()); n != 265 {
		t.Fatalf("members = %d after approval, want 265", n)
	}
	evs, err := f.store.Events(context.Background(), "hs", license.EventQuery{Email: "p000@school.example.org"})
	if err != nil || len(evs) == 0 || !strings.Contains(evs[len(evs)-1].Actor, "approved by admin@district.org") {
		t.Fatalf("removal event = %+v, %v; want the approver named", evs, err)
	}
	if _, err := f.engine.Approve(context.Background(), run.PlanID, "x@y.org"); err == nil {
		t.Fatal("approving an applied plan twice should fail")
	}
	if got := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_sync_pending_approvals", map[string]string{"deployment": "hs"})); got != 0 {
		t.Fatalf("pending approvals gauge = %v after approval, want 0", got)
	}
}

func TestApprovingAStalePlanReplans(t *testing.T) {
	f := newFixture(t, 500)
	f.src.set(people(0, 300, license.RoleStudent))
	if _, err := f.run(); err != nil {
		t.Fatal(err)
	}
	f.src.set(people(50, 250, license.RoleStudent)) // 50 leave: held
	held, err := f.run()
	if err != nil || held.Result != syncstate.ResultHeld {
		t.Fatalf("run = %+v, %v; want held", held, err)
	}
	// Meanwhile the source brings 25 of the leavers back and a claim moves
	// in the store: the plan is stale.
	f.src.set(people(25, 275, license.RoleStudent))
	if _, err := f.store.Apply(context.Background(), "hs", []license.Change{{Op: license.OpRemove, Email: "p299@school.example.org", Source: f.dep.Source()}}, license.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	run, err := f.engine.Approve(context.Background(), held.PlanID, "admin@district.org")
	if err != nil {
		t.Fatal(err)
	}
	// Re-planned from the source as it is now: 25 leavers (within the limit
	// of max(20, 10% of 299) = 29) go, p299 comes back.
	if run.Result != syncstate.ResultSuccess || run.Counts.Removed != 25 || run.Counts.Added != 1 {
		t.Fatalf("re-planned run = %+v; want 25 removed and p299 re-added", run)
	}
	ms := f.members()
	if _, ok := ms["p025@school.example.org"]; !ok {
		t.Fatal("p025 came back to the source but the stale plan removed them")
	}
	if _, ok := ms["p024@school.example.org"]; ok {
		t.Fatal("p024 left the source but is still a member")
	}
	p, _, err := f.engine.PendingPlan(context.Background(), held.PlanID)
	if err != nil || p.Status != StatusSuperseded {
		t.Fatalf("stale plan status = %q, %v; want superseded", p.Status, err)
	}
}

func TestOverlappingRunIsSkipped(t *testing.T) {
	f := newFixture(t, 100)
	f.src.set(people(0, 5, license.RoleStudent))
	f.src.mu.Lock()
	f.src.block, f.src.started = make(chan struct{}), make(chan struct{})
	f.src.mu.Unlock()
	done := make(chan error, 1)
	go func() { _, err := f.run(); done <- err }()
	<-f.src.started
	run, err := f.run()
	if !errors.Is(err, ErrRunning) || run.Result != syncstate.ResultSkipped {
		t.Fatalf("overlapping run = %+v, %v; want skipped with ErrRunning", run, err)
	}
	close(f.src.block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(f.metricRuns("skipped")); got != 1 {
		t.Fatalf("skipped runs metric = %v, want 1", got)
	}
	if got := f.src.fetches.Load(); got != 1 {
		t.Fatalf("source fetched %d times, want 1 (the skipped run must not read it)", got)
	}
}

func TestPanicInRunIsRecoveredAndRecorded(t *testing.T) {
	f := newFixture(t, 100)
	f.src.mu.Lock()
	f.src.panicNow = true
	f.src.mu.Unlock()
	run, err := f.run()
	if err == nil || !strings.Contains(err.Error(), "panic: connector bug") || run.Result != syncstate.ResultFailed {
		t.Fatalf("run = %+v, %v; want a failed run naming the panic", run, err)
	}
	last, ok, err := f.state.LastRun(context.Background(), "hs")
	if err != nil || !ok || last.Result != syncstate.ResultFailed {
		t.Fatalf("last recorded run = %+v, %v, %v", last, ok, err)
	}
	// The deployment is usable again after the panic.
	f.src.mu.Lock()
	f.src.panicNow = false
	f.src.mu.Unlock()
	if _, err := f.run(); err != nil {
		t.Fatalf("run after a panic: %v", err)
	}
}

func TestSyncStateAndGaugesSurviveRestart(t *testing.T) {
	f := newFixture(t, 100)
	f.src.set(people(0, 12, license.RoleStudent))
	first, err := f.run()
	if err != nil {
		t.Fatal(err)
	}
	f.close()
	f.open()
	last, ok, err := f.state.LastSuccess(context.Background(), "hs")
	if err != nil || !ok || last.ID != first.ID {
		t.Fatalf("last success after reopen = %+v, %v, %v; want run %d", last, ok, err, first.ID)
	}
	// Start on a fresh registry publishes the stored last success and seats.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := f.engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer f.engine.Stop(context.Background())
	if !f.engine.Ready() {
		t.Fatal("engine not ready after Start")
	}
	// Within a millisecond: the gauge is a float of seconds.
	if got, want := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_sync_last_success_timestamp_seconds", map[string]string{"deployment": "hs"})), float64(last.Ended.UnixNano())/1e9; math.Abs(got-want) > 1e-3 {
		t.Fatalf("last success gauge = %v, want %v", got, want)
	}
	if got := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_license_seats_used", map[string]string{"license": "hs"})); got != 12 {
		t.Fatalf("seats used gauge = %v, want 12", got)
	}
	if got := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_sync_interval_seconds", map[string]string{"deployment": "hs"})); got != 3600 {
		t.Fatalf("interval gauge = %v, want 3600", got)
	}
}

func TestStartCatchesUpAfterDowntime(t *testing.T) {
	f := newFixture(t, 100)
	f.src.set(people(0, 3, license.RoleStudent))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := f.engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer f.engine.Stop(context.Background())
	// Never succeeded, so the hourly deployment runs at start-up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok, _ := f.state.LastSuccess(context.Background(), "hs"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no catch-up run after start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(f.members()); n != 3 {
		t.Fatalf("members after catch-up = %d, want 3", n)
	}
	if last, _, _ := f.state.LastRun(context.Background(), "hs"); last.Trigger != TriggerStartup {
		t.Fatalf("catch-up run recorded with trigger %q, want %q", last.Trigger, TriggerStartup)
	}
}

func TestMetricsAfterRun(t *testing.T) {
	f := newFixture(t, 10)
	f.src.set(append(people(0, 12, license.RoleStudent), connectors.Person{ExternalID: "x", Email: "not an email"}))
	run, err := f.run()
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Overflow != 2 || run.Counts.Skipped != 1 {
		t.Fatalf("counts = %+v; want 2 overflow, 1 skipped", run.Counts)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"rollcall_sync_runs_total", map[string]string{"deployment": "hs", "connector": "roster", "result": "success"}, 1},
		{"rollcall_sync_changes_total", map[string]string{"deployment": "hs", "action": "add"}, 10},
		{"rollcall_sync_desired_members", map[string]string{"deployment": "hs"}, 12},
		{"rollcall_sync_overflow_members", map[string]string{"deployment": "hs"}, 2},
		{"rollcall_sync_skipped_people", map[string]string{"deployment": "hs"}, 1},
		{"rollcall_license_seats", map[string]string{"license": "hs"}, 10},
		{"rollcall_license_seats_used", map[string]string{"license": "hs"}, 10},
	} {
		if got := testutil.ToFloat64(gaugeOf(t, f.reg, c.name, c.labels)); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := testutil.ToFloat64(gaugeOf(t, f.reg, "rollcall_sync_last_success_timestamp_seconds", map[string]string{"deployment": "hs"})); got < float64(run.Started.Unix()) {
		t.Errorf("last success gauge = %v, before the run started (%v)", got, run.Started.Unix())
	}
}

func TestUnknownDeployment(t *testing.T) {
	f := newFixture(t, 10)
	if _, err := f.engine.Run(context.Background(), "nope", TriggerManual); !errors.Is(err, ErrUnknownDeployment) {
		t.Fatalf("err = %v, want ErrUnknownDeployment", err)
	}
	if _, err := f.engine.DryRun(context.Background(), "nope"); !errors.Is(err, ErrUnknownDeployment) {
		t.Fatalf("dry run err = %v, want ErrUnknownDeployment", err)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	f := newFixture(t, 100)
	f.src.set(people(0, 7, license.RoleStudent))
	plan, err := f.engine.DryRun(context.Background(), "hs")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Adds) != 7 {
		t.Fatalf("dry run plans %d adds, want 7", len(plan.Adds))
	}
	if n := len(f.members()); n != 0 {
		t.Fatalf("dry run added %d members", n)
	}
	if _, ok, _ := f.state.LastRun(context.Background(), "hs"); ok {
		t.Fatal("dry run recorded a run")
	}
}
