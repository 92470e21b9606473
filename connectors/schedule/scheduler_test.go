package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/schedule"
)

// syncBuffer is a log sink safe for the scheduler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func noop(context.Context) error { return nil }

func TestAddRejectsBadSpecs(t *testing.T) {
	tests := []struct {
		spec, zone string
		reason     string // a word of the reason the error must carry
	}{
		{"", "", "empty"},
		{"not a spec", "", "expected"},
		{"61 * * * *", "", "61"},
		{"* * * *", "", "expected"},
		{"0 0 * * * *", "", "expected"}, // a seconds field: the standard parser takes five
		{"@reboot", "", "descriptor"},
		{"@every banana", "", "banana"},
		{"@every 50ms", "", "at least 1s"},
		{"@every 1500ms", "", "whole number of seconds"},
		{"@every 10m", "Mars/Olympus_Mons", "Mars/Olympus_Mons"},
		{"0 7 * * *", "America/Nowhere", "America/Nowhere"},
		{"CRON_TZ=Nowhere/Land 0 * * * *", "", "Nowhere/Land"},
		{"CRON_TZ=UTC", "", "without a schedule"},
		{"CRON_TZ=Europe/Paris 0 3 * * *", "America/Chicago", "differs"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+"|"+tt.zone, func(t *testing.T) {
			s := schedule.New(schedule.Options{})
			err := s.Add("district-hs", tt.spec, tt.zone, noop)
			if err == nil {
				t.Fatalf("Add(%q, %q) accepted it", tt.spec, tt.zone)
			}
			msg := err.Error()
			for _, want := range []string{"district-hs", `"` + tt.spec + `"`, tt.reason} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			if jobs := s.Jobs(); len(jobs) != 0 {
				t.Errorf("a rejected job was scheduled: %v", jobs)
			}
		})
	}
}

func TestAddRejectsDuplicatesAndNil(t *testing.T) {
	s := schedule.New(schedule.Options{})
	if err := s.Add("a", "@hourly", "", noop); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("a", "@daily", "", noop); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("duplicate Add = %v", err)
	}
	if err := s.Add("b", "@daily", "", nil); err == nil {
		t.Error("Add with no run function accepted")
	}
	if err := s.Add("", "@daily", "", noop); err == nil {
		t.Error("Add with no name accepted")
	}
}

func TestIntervalAndNext(t *testing.T) {
	// A Monday in winter: no daylight-saving change within two days either side.
	now := time.Date(2026, 1, 12, 12, 0, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	tests := []struct {
		spec, zone string
		interval   time.Duration
		next       time.Time
	}{
		{"@every 10m", "", 10 * time.Minute, now.Add(10 * time.Minute)},
		{"*/15 * * * *", "", 15 * time.Minute, now.Add(15 * time.Minute)},
		{"@hourly", "", time.Hour, now.Add(time.Hour)},
		{"30 6 * * *", "", 24 * time.Hour, time.Date(2026, 1, 13, 6, 30, 0, 0, time.UTC)},
		{"0 7 * * *", "America/New_York", 24 * time.Hour, time.Date(2026, 1, 13, 7, 0, 0, 0, ny)},
		{"CRON_TZ=America/New_York 0 7 * * *", "", 24 * time.Hour, time.Date(2026, 1, 13, 7, 0, 0, 0, ny)},
		{"TZ=America/New_York 0 7 * * *", "America/New_York", 24 * time.Hour, time.Date(2026, 1, 13, 7, 0, 0, 0, ny)},
		{"0 6 * * 1-5", "", 24 * time.Hour, time.Date(2026, 1, 13, 6, 0, 0, 0, time.UTC)},
		{"0 6 * * 1", "", 7 * 24 * time.Hour, time.Date(2026, 1, 19, 6, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.spec+"|"+tt.zone, func(t *testing.T) {
			s := schedule.New(schedule.Options{Now: func() time.Time { return now }})
			if err := s.Add("j", tt.spec, tt.zone, noop); err != nil {
				t.Fatal(err)
			}
			if got := s.Interval("j"); got != tt.interval {
				t.Errorf("Interval = %v, want %v", got, tt.interval)
			}
			if got := s.Next("j"); !got.Equal(tt.next) {
				t.Errorf("Next = %v, want %v", got, tt.next)
			}
		})
	}
	s := schedule.New(schedule.Options{})
	if s.Interval("nope") != 0 || !s.Next("nope").IsZero() {
		t.Error("an unknown job has an interval or a next firing")
	}
}

func TestRunNow(t *testing.T) {
	boom := errors.New("source down")
	s := schedule.New(schedule.Options{})
	var trigger string
	if err := s.Add("a", "@hourly", "", func(ctx context.Context) error {
		trigger = schedule.TriggerFrom(ctx)
		return boom
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow(t.Context(), "a"); !errors.Is(err, boom) {
		t.Errorf("RunNow = %v, want the run's error", err)
	}
	if trigger != schedule.TriggerManual {
		t.Errorf("trigger = %q, want %q", trigger, schedule.TriggerManual)
	}
	if err := s.RunNow(t.Context(), "b"); !errors.Is(err, schedule.ErrUnknownJob) {
		t.Errorf("RunNow of an unknown job = %v", err)
	}
	if !s.Remove("a") || s.Remove("a") {
		t.Error("Remove did not report the job once")
	}
	if err := s.RunNow(t.Context(), "a"); !errors.Is(err, schedule.ErrUnknownJob) {
		t.Errorf("RunNow of a removed job = %v", err)
	}
	if err := s.Add("c", "@hourly", "", noop); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow(t.Context(), "c"); !errors.Is(err, schedule.ErrStopped) {
		t.Errorf("RunNow after Stop = %v", err)
	}
}

// TestOverlapSkipped blocks a job's first run (a catch-up run at start) and
// lets the real cron fire it again, once a second: that firing must be
// skipped and reported, and RunNow refused, while the first run goes on.
func TestOverlapSkipped(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	skipped := make(chan string, 10)
	var inRun, maxInRun, runs atomic.Int32
	s := schedule.New(schedule.Options{
		OnSkip:      func(job string) { skipped <- job },
		LastSuccess: func(string) (time.Time, bool) { return time.Time{}, false },
	})
	if err := s.Add("hs", "@every 1s", "", func(ctx context.Context) error {
		n := inRun.Add(1)
		defer inRun.Add(-1)
		for {
			m := maxInRun.Load()
			if n <= m || maxInRun.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		started <- struct{}{}
		<-release
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Start(t.Context())
	<-started
	if err := s.RunNow(t.Context(), "hs"); !errors.Is(err, schedule.ErrRunning) {
		t.Errorf("RunNow while a run is going = %v, want ErrRunning", err)
	}
	if job := <-skipped; job != "hs" {
		t.Errorf("OnSkip(%q), want hs", job)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("%d runs started while the first was blocked, want 1", n)
	}
	close(release)
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := maxInRun.Load(); m != 1 {
		t.Errorf("%d runs of one job at once", m)
	}
}

func TestPanicRecovered(t *testing.T) {
	logs := &syncBuffer{}
	type report struct {
		job string
		v   any
	}
	panics := make(chan report, 4)
	var calls atomic.Int32
	s := schedule.New(schedule.Options{
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
		OnPanic:     func(job string, v any) { panics <- report{job, v} },
		LastSuccess: func(string) (time.Time, bool) { return time.Time{}, false },
	})
	if err := s.Add("hs", "@hourly", "", func(context.Context) error {
		if calls.Add(1) <= 2 {
			panic(panicValue{"nil map in planner"})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A catch-up (scheduled) run panics: reported, and the scheduler goes on.
	s.Start(t.Context())
	if r := <-panics; r.job != "hs" || r.v != (panicValue{"nil map in planner"}) {
		t.Errorf("OnPanic(%q, %v)", r.job, r.v)
	}
	// RunNow returns the panic as an error.
	err := s.RunNow(t.Context(), "hs")
	var pe *schedule.PanicError
	if !errors.As(err, &pe) || pe.Job != "hs" || pe.Value != (panicValue{"nil map in planner"}) || !bytes.Contains(pe.Stack, []byte("TestPanicRecovered")) {
		t.Fatalf("RunNow of a panicking job = %v; want a PanicError with the stack", err)
	}
	<-panics
	if !s.Running() {
		t.Error("the scheduler stopped after a panic")
	}
	// The job is not left marked as running.
	if err := s.RunNow(t.Context(), "hs"); err != nil {
		t.Errorf("RunNow after the panics = %v", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{"run panicked", "job=hs", "nil map in planner", "TestPanicRecovered"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

type panicValue struct{ what string }

func TestCatchUpAtStart(t *testing.T) {
	now := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	type jobSpec struct {
		name, spec string
		last       time.Time // zero: never succeeded
	}
	jobs := []jobSpec{
		{"never", "@every 1h", time.Time{}},
		{"stale", "@every 1h", now.Add(-61 * time.Minute)},
		{"fresh", "@every 1h", now.Add(-59 * time.Minute)},
		{"stale-cron", "0 * * * *", now.Add(-3 * time.Hour)},
		{"fresh-daily", "30 2 * * *", now.Add(-20 * time.Hour)},
		{"stale-daily", "30 2 * * *", now.Add(-25 * time.Hour)},
	}
	var want []string
	for _, j := range jobs {
		if j.last.IsZero() || now.Sub(j.last) > map[string]time.Duration{"@every 1h": time.Hour, "0 * * * *": time.Hour, "30 2 * * *": 24 * time.Hour}[j.spec] {
			want = append(want, j.name)
		}
	}
	slices.Sort(want)

	var mu sync.Mutex
	triggers := map[string]string{}
	var jitterAsked []int64
	done := make(chan string, len(jobs))
	s := schedule.New(schedule.Options{
		Now:    func() time.Time { return now },
		Jitter: 5 * time.Millisecond,
		Rand: func(n int64) int64 {
			mu.Lock()
			defer mu.Unlock()
			jitterAsked = append(jitterAsked, n)
			return 0
		},
		LastSuccess: func(job string) (time.Time, bool) {
			for _, j := range jobs {
				if j.name == job {
					return j.last, !j.last.IsZero()
				}
			}
			t.Errorf("LastSuccess(%q): no such job", job)
			return time.Time{}, false
		},
	})
	for _, j := range jobs {
		if err := s.Add(j.name, j.spec, "", func(ctx context.Context) error {
			mu.Lock()
			triggers[j.name] = schedule.TriggerFrom(ctx)
			mu.Unlock()
			done <- j.name
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.Start(t.Context())
	// Stop drops runs still waiting out their jitter, so wait for the
	// expected ones first. A job run that should not have been would most
	// likely be among the first to arrive, as nothing delays it.
	var ran []string
	for range want {
		ran = append(ran, <-done)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(done)
	for name := range done {
		ran = append(ran, name)
	}
	slices.Sort(ran)
	if !slices.Equal(ran, want) {
		t.Errorf("catch-up ran %v, want %v", ran, want)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, name := range want {
		if triggers[name] != schedule.TriggerStartup {
			t.Errorf("%s ran with trigger %q, want %q", name, triggers[name], schedule.TriggerStartup)
		}
	}
	if len(jitterAsked) != len(want) || slices.ContainsFunc(jitterAsked, func(n int64) bool { return n != int64(5*time.Millisecond) }) {
		t.Errorf("jitter drawn as %v, want %d draws of [0, 5ms)", jitterAsked, len(want))
	}
}

func TestAddAfterStartCatchesUp(t *testing.T) {
	ran := make(chan string, 1)
	s := schedule.New(schedule.Options{LastSuccess: func(string) (time.Time, bool) { return time.Time{}, false }})
	s.Start(t.Context())
	if err := s.Add("ou-new", "@daily", "", func(ctx context.Context) error {
		ran <- schedule.TriggerFrom(ctx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if tr := <-ran; tr != schedule.TriggerStartup {
		t.Errorf("trigger %q", tr)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestStopWaitsForRunningJob: Stop returns only after the running job ends.
func TestStopWaitsForRunningJob(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	var finished atomic.Bool
	s := schedule.New(schedule.Options{LastSuccess: func(string) (time.Time, bool) { return time.Time{}, false }})
	if err := s.Add("hs", "@daily", "", func(ctx context.Context) error {
		close(started)
		<-release
		finished.Store(true)
		return ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	s.Start(t.Context())
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	for s.Running() {
		time.Sleep(time.Millisecond)
	}
	// Give a Stop that does not wait the chance to return early; a
	// correct Stop cannot return here, however long this takes.
	time.Sleep(20 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a job was running", err)
	default:
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Errorf("Stop = %v", err)
	}
	if !finished.Load() {
		t.Error("Stop returned before the job finished")
	}
}

// TestStopBoundedByContext: a job that does not end on its own holds Stop
// only until Stop's context ends; then the job's context is cancelled.
func TestStopBoundedByContext(t *testing.T) {
	started := make(chan struct{})
	jobErr := make(chan error, 1)
	s := schedule.New(schedule.Options{LastSuccess: func(string) (time.Time, bool) { return time.Time{}, false }})
	if err := s.Add("stuck", "@daily", "", func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		jobErr <- ctx.Err()
		return ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(ctx) }()
	cancel()
	err := <-stopped
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stuck") {
		t.Errorf("Stop = %v; want context.Canceled naming the stuck job", err)
	}
	if err := <-jobErr; !errors.Is(err, context.Canceled) {
		t.Errorf("the stuck job's context ended with %v, want cancelled", err)
	}
}

// TestStopEndsJitterWait: a run waiting out an hour of jitter does not hold
// Stop, and never runs.
func TestStopEndsJitterWait(t *testing.T) {
	var ran atomic.Bool
	drawn := make(chan struct{})
	s := schedule.New(schedule.Options{
		Jitter:      time.Hour,
		Rand:        func(n int64) int64 { close(drawn); return n - 1 },
		LastSuccess: func(string) (time.Time, bool) { return time.Time{}, false },
	})
	if err := s.Add("hs", "@daily", "", func(context.Context) error { ran.Store(true); return nil }); err != nil {
		t.Fatal(err)
	}
	s.Start(t.Context())
	<-drawn
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Error("a run waiting out its jitter ran after Stop")
	}
	if s.Running() {
		t.Error("Running after Stop")
	}
}
