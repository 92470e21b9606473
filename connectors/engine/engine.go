package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// Triggers of a run, recorded in sync state.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerStartup  = "startup"
	TriggerApproval = "approval"
)

// Errors callers branch on.
var (
	// ErrUnknownDeployment: no deployment has that name.
	ErrUnknownDeployment = errors.New("unknown deployment")
	// ErrRunning: a run of the deployment is already in progress. It is
	// license.ErrRunInProgress, so the API can tell it apart.
	ErrRunning = license.ErrRunInProgress
)

// Options are the engine's dependencies.
type Options struct {
	Store      license.Store
	State      syncstate.Backend
	Metrics    *metrics.Metrics // nil: metrics.New(nil) is not registered anywhere
	Logger     *slog.Logger
	Connectors map[string]connectors.Connector
	// Deployments from the config file; run-time ones come from State.
	Deployments []connectors.Deployment
	// ConnectorSchedules maps a connector to its schedule, which run-time
	// deployments on it follow; ConnectorTypes maps it to its type name.
	ConnectorSchedules map[string]string
	ConnectorTypes     map[string]string
	BatchSize          int
	// SpillDir is where a sync keeps a large source's snapshot on disk
	// (see reconcile.CollectOptions) instead of in memory; "" means the
	// system's temporary folder. SpillAfter is how many people a snapshot
	// holds in memory before it spills; zero: reconcile.DefaultSpillAfter.
	SpillDir   string
	SpillAfter int
	Jitter     time.Duration
	Now        func() time.Time
	// RunTimeout bounds one run, rate-limit waits included; 0: none.
	RunTimeout time.Duration
	// QuarantineAfter failed runs in a row quarantine a deployment; 0:
	// DefaultQuarantineAfter.
	QuarantineAfter int
	// Calendar holds the blackout and additions-only windows.
	Calendar []connectors.Window
	// ProgressEvery is the least time between two writes of a running
	// run's counts to its record; 0: DefaultProgressEvery, negative: every batch.
	ProgressEvery time.Duration
	// ReplicaID names this process among replicas sharing one database
	// (only when State is a Leaser); "": NewReplicaID.
	ReplicaID string
	// LeaseTTL is the longest a deployment's lease lasts unless renewed;
	// 0: DefaultLeaseTTL. A scheduled deployment's is at most half its
	// interval.
	LeaseTTL time.Duration
}

// Defaults of Options.
const (
	DefaultQuarantineAfter = 5
	DefaultProgressEvery   = time.Second
)

// Engine runs the syncs of every deployment.
type Engine struct {
	store   license.Store
	state   syncstate.Backend
	metrics *metrics.Metrics
	log     *slog.Logger
	conns   map[string]connectors.Connector
	static  []connectors.Deployment
	// schedules and types are per connector instance.
	schedules map[string]string
	types     map[string]string
	batch     int
	spill     reconcile.CollectOptions
	jitter    time.Duration
	now       func() time.Time

	runTimeout      time.Duration
	quarantineAfter int
	calendar        []connectors.Window
	progressEvery   time.Duration

	// leaser is set when the sync state shares deployments among
	// replicas: every run then holds its deployment's lease.
	leaser  Leaser
	replica string
	ttl     time.Duration
	// halt is closed as Stop begins; it ends waits for another
	// replica's lease to expire.
	halt     chan struct{}
	haltOnce sync.Once
	follow   time.Duration // how often run-time deployments are re-read

	mu       sync.Mutex
	running  map[string]bool // deployment name → a run holds it
	sched    scheduler
	base     context.Context // detached runs run under it (Start's context)
	detached sync.WaitGroup  // detached runs going on
}

// New checks that every deployment names a known connector and returns the
// engine. It does not start the schedule.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil || opts.State == nil {
		return nil, errors.New("engine: a store and a sync state are required")
	}
	e := &Engine{
		store:     opts.Store,
		state:     opts.State,
		metrics:   opts.Metrics,
		log:       opts.Logger,
		conns:     opts.Connectors,
		static:    slices.Clone(opts.Deployments),
		schedules: opts.ConnectorSchedules,
		types:     opts.ConnectorTypes,
		batch:     opts.BatchSize,
		spill:     reconcile.CollectOptions{SpillDir: cmp.Or(opts.SpillDir, os.TempDir()), SpillAfter: opts.SpillAfter},
		jitter:    opts.Jitter,
		now:       opts.Now,
		running:   map[string]bool{},
		halt:      make(chan struct{}),
		follow:    DefaultFollowEvery,

		runTimeout:      opts.RunTimeout,
		quarantineAfter: opts.QuarantineAfter,
		calendar:        slices.Clone(opts.Calendar),
		progressEvery:   opts.ProgressEvery,
	}
	if e.quarantineAfter <= 0 {
		e.quarantineAfter = DefaultQuarantineAfter
	}
	switch {
	case e.progressEvery == 0:
		e.progressEvery = DefaultProgressEvery
	case e.progressEvery < 0:
		e.progressEvery = 0
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.metrics == nil {
		e.metrics = metrics.New(nil)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if l, ok := opts.State.(Leaser); ok {
		e.leaser, e.replica, e.ttl = l, opts.ReplicaID, opts.LeaseTTL
		if e.replica == "" {
			e.replica = NewReplicaID()
		}
		if e.ttl <= 0 {
			e.ttl = DefaultLeaseTTL
		}
		e.ttl = max(e.ttl, minLeaseTTL)
		e.metrics.SetReplica(e.replica)
	}
	seen := map[string]bool{}
	for _, d := range e.static {
		if seen[d.Name] {
			return nil, fmt.Errorf("engine: deployment %q is defined twice", d.Name)
		}
		seen[d.Name] = true
		if _, ok := e.conns[d.Connector]; !ok {
			return nil, fmt.Errorf("engine: deployment %q names connector %q, which is not open", d.Name, d.Connector)
		}
	}
	return e, nil
}

// Deployments lists every deployment, from the config file and created at
// run time, by name.
func (e *Engine) Deployments(ctx context.Context) ([]connectors.Deployment, error) {
	rt, err := e.state.Deployments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list run-time deployments: %w", err)
	}
	out := append(slices.Clone(e.static), rt...)
	slices.SortFunc(out, func(a, b connectors.Deployment) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Deployment returns one deployment by name.
func (e *Engine) Deployment(ctx context.Context, name string) (connectors.Deployment, error) {
	all, err := e.Deployments(ctx)
	if err != nil {
		return connectors.Deployment{}, err
	}
	for _, d := range all {
		if d.Name == name {
			return d, nil
		}
	}
	return connectors.Deployment{}, fmt.Errorf("deployment %q: %w", name, ErrUnknownDeployment)
}

// Connector returns an open connector by instance name.
func (e *Engine) Connector(name string) (connectors.Connector, bool) {
	c, ok := e.conns[name]
	return c, ok
}

// acquire marks the deployment as running; false if it already is.
func (e *Engine) acquire(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running[name] {
		return false
	}
	e.running[name] = true
	return true
}

func (e *Engine) release(name string) {
	e.mu.Lock()
	delete(e.running, name)
	e.mu.Unlock()
}
