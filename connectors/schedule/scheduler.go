package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// What started a run; see TriggerFrom.
const (
	TriggerSchedule = "schedule" // the job's spec fired
	TriggerStartup  = "startup"  // catch-up: the last success was older than the interval
	TriggerManual   = "manual"   // RunNow
)

// Options are the scheduler's dependencies and settings. The zero value is
// usable: no jitter, no catch-up, logs discarded.
type Options struct {
	Logger *slog.Logger
	// Jitter delays each scheduled and catch-up run by a random duration
	// in [0, Jitter), so that many deployments on one spec, or many
	// servers, do not hit a vendor at the same second. RunNow is not delayed.
	Jitter time.Duration
	// Rand returns a number in [0, n); nil: math/rand/v2.Int64N.
	Rand func(n int64) int64
	// OnSkip is called when a firing finds the job's previous run still going.
	OnSkip func(job string)
	// OnPanic is called with what a run panicked with, after it was
	// recovered and the job is no longer marked running.
	OnPanic func(job string, v any)
	// LastSuccess reports when the job last succeeded. A job that never
	// did, or not within its interval, runs once as soon as it is
	// scheduled. nil: no catch-up runs.
	LastSuccess func(job string) (time.Time, bool)
	// Now is the clock for catch-up, Interval and Next; nil: time.Now.
	// Firings themselves follow the real clock.
	Now func() time.Time
}

type state int

const (
	idle state = iota
	started
	stopped
)

// Scheduler runs named jobs on their schedules. It is safe for concurrent use.
type Scheduler struct {
	opts Options
	log  *slog.Logger
	cron *cron.Cron

	// stopping is cancelled as Stop begins: it ends jitter waits.
	stopping       context.Context
	cancelStopping context.CancelFunc
	// kill is cancelled when Stop's deadline passes: it cancels runs.
	kill       context.Context
	cancelKill context.CancelFunc

	mu    sync.Mutex
	state state
	base  context.Context // Start's context, the parent of scheduled runs
	jobs  map[string]*job
	// runs counts every run and every jitter wait. Add is only called with
	// mu held and state not stopped, so it never races Stop's Wait.
	runs sync.WaitGroup
}

type job struct {
	name    string
	spec    string
	sched   cron.Schedule
	run     func(ctx context.Context) error
	entry   cron.EntryID
	running atomic.Bool
	removed atomic.Bool
}

// New returns a scheduler with no jobs; Add them, then Start it.
func New(opts Options) *Scheduler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Rand == nil {
		opts.Rand = rand.Int64N
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Scheduler{
		opts: opts,
		log:  opts.Logger,
		cron: cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cronLogger{opts.Logger})),
		jobs: map[string]*job{},
		base: context.Background(),
	}
	s.stopping, s.cancelStopping = context.WithCancel(context.Background())
	s.kill, s.cancelKill = context.WithCancel(context.Background())
	return s
}

// Add schedules run under name on spec, read in timeZone (an IANA name;
// empty: the spec's CRON_TZ= prefix, else UTC). A spec is five cron fields
// ("*/15 * * * *") or a descriptor (@hourly, @daily, @every 10m). Added to a
// started scheduler, the job gets its catch-up check at once.
func (s *Scheduler) Add(name, spec, timeZone string, run func(ctx context.Context) error) error {
	if name == "" {
		return errors.New("schedule: job name is required")
	}
	if run == nil {
		return fmt.Errorf("schedule job %s: no run function", name)
	}
	sched, err := parseSpec(spec, timeZone)
	if err != nil {
		return fmt.Errorf("schedule job %s: spec %q (time zone %q): %w", name, spec, timeZone, err)
	}
	j := &job{name: name, spec: spec, sched: sched, run: run}
	s.mu.Lock()
	if _, dup := s.jobs[name]; dup {
		s.mu.Unlock()
		return fmt.Errorf("schedule job %s: a job of that name is already scheduled", name)
	}
	if s.state == stopped {
		s.mu.Unlock()
		return fmt.Errorf("schedule job %s: %w", name, ErrStopped)
	}
	s.jobs[name] = j
	j.entry = s.cron.Schedule(sched, cron.FuncJob(func() { s.fire(j) }))
	isStarted := s.state == started
	s.mu.Unlock()
	if isStarted && s.due(j) {
		s.mu.Lock()
		s.launch(j, TriggerStartup)
		s.mu.Unlock()
	}
	return nil
}

// Remove unschedules a job; a run in progress finishes. It reports whether
// there was such a job.
func (s *Scheduler) Remove(name string) bool {
	s.mu.Lock()
	j, ok := s.jobs[name]
	delete(s.jobs, name)
	s.mu.Unlock()
	if ok {
		j.removed.Store(true)
		s.cron.Remove(j.entry)
	}
	return ok
}

// Jobs lists the scheduled job names, sorted.
func (s *Scheduler) Jobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.jobs))
	for n := range s.jobs {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Start begins firing jobs on their schedules and launches the catch-up run
// of every job that is due. ctx is the parent of every scheduled run;
// cancelling it cancels runs but does not stop scheduling (Stop does).
// Calling Start again, or after Stop, does nothing.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	if s.state != idle {
		s.mu.Unlock()
		return
	}
	s.state, s.base = started, ctx
	jobs := make([]*job, 0, len(s.jobs))
	for _, j := range s.jobs {
		jobs = append(jobs, j)
	}
	s.cron.Start()
	s.mu.Unlock()

	// LastSuccess may read a file: ask it without holding the lock.
	var due []*job
	for _, j := range jobs {
		if s.due(j) {
			due = append(due, j)
		}
	}
	s.mu.Lock()
	for _, j := range due {
		s.launch(j, TriggerStartup)
	}
	s.mu.Unlock()
}

// due reports whether j's last success is missing or older than its interval.
func (s *Scheduler) due(j *job) bool {
	if s.opts.LastSuccess == nil {
		return false
	}
	last, ok := s.opts.LastSuccess(j.name)
	now := s.opts.Now()
	if !ok || now.Sub(last) > interval(j.sched, now) {
		s.log.Info("catch-up run: last success older than the interval", "job", j.name, "last_success", last, "found", ok)
		return true
	}
	return false
}

// fire is what cron calls when j's spec comes due.
func (s *Scheduler) fire(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.launch(j, TriggerSchedule)
}

// launch starts a scheduled run of j in its own goroutine. It must be
// called with mu held; once stopped it does nothing.
func (s *Scheduler) launch(j *job, trigger string) {
	if s.state != started {
		return
	}
	base := s.base
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		if !s.wait() || j.removed.Load() || base.Err() != nil {
			return
		}
		if !j.running.CompareAndSwap(false, true) {
			s.log.Warn("run skipped: the previous run is still going", "job", j.name, "trigger", trigger)
			if s.opts.OnSkip != nil {
				s.opts.OnSkip(j.name)
			}
			return
		}
		err := s.call(base, j, trigger)
		j.running.Store(false)
		s.reportPanic(j.name, err)
		if err != nil {
			s.log.Error("scheduled run failed", "job", j.name, "trigger", trigger, "err", err)
		}
	}()
}

// wait sleeps the jitter; false if Stop began meanwhile.
func (s *Scheduler) wait() bool {
	if s.opts.Jitter <= 0 {
		return s.stopping.Err() == nil
	}
	n := int64(s.opts.Jitter)
	d := s.opts.Rand(n) % n
	if d < 0 {
		d += n
	}
	t := time.NewTimer(time.Duration(d))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stopping.Done():
		return false
	}
}

// RunNow runs the job at once in the caller's goroutine, with no jitter, and
// returns its error. If a run of the job is in progress it returns
// ErrRunning without waiting. It works on a scheduler never started (the
// one-off `rollcall sync`), not on a stopped one.
func (s *Scheduler) RunNow(ctx context.Context, name string) error {
	s.mu.Lock()
	j, ok := s.jobs[name]
	switch {
	case !ok:
		s.mu.Unlock()
		return fmt.Errorf("run %s now: %w", name, ErrUnknownJob)
	case s.state == stopped:
		s.mu.Unlock()
		return fmt.Errorf("run %s now: %w", name, ErrStopped)
	}
	s.runs.Add(1)
	s.mu.Unlock()
	defer s.runs.Done()
	if !j.running.CompareAndSwap(false, true) {
		return fmt.Errorf("run %s now: %w", name, ErrRunning)
	}
	err := s.call(ctx, j, TriggerManual)
	j.running.Store(false)
	s.reportPanic(j.name, err)
	return err
}

// reportPanic tells OnPanic of a run that panicked. It is called once the
// job is no longer marked running, so whoever OnPanic wakes may run the job
// again at once.
func (s *Scheduler) reportPanic(job string, err error) {
	var pe *PanicError
	if s.opts.OnPanic != nil && errors.As(err, &pe) {
		s.opts.OnPanic(job, pe.Value)
	}
}

// call runs j once under a context that Stop's deadline also cancels, and
// turns a panic into a *PanicError.
func (s *Scheduler) call(parent context.Context, j *job, trigger string) (err error) {
	ctx, cancel := context.WithCancel(context.WithValue(parent, triggerKey{}, trigger))
	defer cancel()
	defer context.AfterFunc(s.kill, cancel)()
	defer func() {
		if v := recover(); v != nil {
			pe := &PanicError{Job: j.name, Value: v, Stack: debug.Stack()}
			s.log.Error("run panicked", "job", j.name, "trigger", trigger, "panic", fmt.Sprint(v), "stack", string(pe.Stack))
			err = pe
		}
	}()
	return j.run(ctx)
}

// Stop stops firing jobs, ends jitter waits, and waits for runs in progress
// to finish. If ctx ends first, it cancels their contexts and returns an
// error naming them, without waiting further. Stop may be called more than
// once; each call waits.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.state == started {
		s.cron.Stop()
	}
	s.state = stopped
	s.mu.Unlock()
	s.cancelStopping()

	done := make(chan struct{})
	go func() {
		s.runs.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.cancelKill()
		return fmt.Errorf("stop scheduler: runs still in progress (%v), cancelled: %w", s.busy(), ctx.Err())
	}
}

func (s *Scheduler) busy() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n, j := range s.jobs {
		if j.running.Load() {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Running reports whether the scheduler was started and not stopped.
func (s *Scheduler) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == started
}

// Interval is how often the job runs: the delay of an @every spec, else the
// gap between its next two firings. 0 for an unknown job.
func (s *Scheduler) Interval(name string) time.Duration {
	s.mu.Lock()
	j, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok {
		return 0
	}
	return interval(j.sched, s.opts.Now())
}

// Next is when the job fires next; zero for an unknown job.
func (s *Scheduler) Next(name string) time.Time {
	s.mu.Lock()
	j, ok := s.jobs[name]
	isStarted := s.state == started
	s.mu.Unlock()
	if !ok {
		return time.Time{}
	}
	if isStarted {
		if next := s.cron.Entry(j.entry).Next; !next.IsZero() {
			return next
		}
	}
	return j.sched.Next(s.opts.Now())
}

type triggerKey struct{}

// TriggerFrom tells a run what started it: TriggerSchedule, TriggerStartup
// or TriggerManual; "" for a context not made by the scheduler.
func TriggerFrom(ctx context.Context) string {
	t, _ := ctx.Value(triggerKey{}).(string)
	return t
}
