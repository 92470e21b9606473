package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/scim"

	// Connector types register themselves.
	_ "github.com/rollcall-sync/rollcall/connectors/blackboard"
	_ "github.com/rollcall-sync/rollcall/connectors/brightspace"
	_ "github.com/rollcall-sync/rollcall/connectors/canvas"
	_ "github.com/rollcall-sync/rollcall/connectors/classroom"
	_ "github.com/rollcall-sync/rollcall/connectors/clever"
	_ "github.com/rollcall-sync/rollcall/connectors/googledirectory"
	_ "github.com/rollcall-sync/rollcall/connectors/ldap"
	_ "github.com/rollcall-sync/rollcall/connectors/lti"
	_ "github.com/rollcall-sync/rollcall/connectors/moodle"
	_ "github.com/rollcall-sync/rollcall/connectors/oneroster"
	_ "github.com/rollcall-sync/rollcall/connectors/schoology"
	_ "github.com/rollcall-sync/rollcall/connectors/static"
)

// authFile holds API tokens and sessions, beside the license database.
const authFile = "auth.db"

// runtime is everything a sync needs, opened from the config file and the
// global flags, and closed in reverse order.
type runtime struct {
	cfg      *config.Config
	files    stateFiles
	store    license.Store     // bbolt or PostgreSQL (store.driver)
	state    syncstate.Backend // bbolt file, or PostgreSQL with the store
	auth     *auth.Store
	scim     *scim.BoltStore // opened by serve only
	registry *prometheus.Registry
	metrics  *metrics.Metrics
	engine   *engine.Engine
}

// configPath is --config, else $ROLLCALL_CONFIG, else <data-dir>/rollcall.yaml.
func (a *app) configPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := os.Getenv("ROLLCALL_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := a.dataDirectoryName()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "rollcall.yaml"), nil
}

// statePaths decides where the two bbolt files live. Explicit flags
// (--db, --data-dir, ROLLCALL_DATA_DIR) win over the config file, so one
// config can serve a container whose config folder is read-only.
func (a *app) statePaths(cfg *config.Config) (db, state string, err error) {
	if db, state, err = a.namedStatePaths(cfg); err != nil {
		return "", "", err
	}
	for _, p := range []string{db, state} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", "", fmt.Errorf("create directory for %s: %w", p, err)
		}
	}
	return db, state, nil
}

// loadConfig loads the config file named by --config or its defaults.
func (a *app) loadConfig(cfgFlag string) (*config.Config, error) {
	path, err := a.configPath(cfgFlag)
	if err != nil {
		return nil, err
	}
	return config.Load(path)
}

// openRuntime loads the config and opens everything from it.
func (a *app) openRuntime(cfgFlag string) (*runtime, error) {
	cfg, err := a.loadConfig(cfgFlag)
	if err != nil {
		return nil, err
	}
	return a.openRuntimeFrom(cfg)
}

// openRuntimeFrom opens the store, sync state, connectors, metrics and
// engine of a loaded config. The caller closes it.
func (a *app) openRuntimeFrom(cfg *config.Config) (*runtime, error) {
	dbPath, statePath, err := a.statePaths(cfg)
	if err != nil {
		return nil, err
	}
	return a.openRuntimeAt(cfg, dbPath, statePath, filepath.Join(filepath.Dir(dbPath), authFile))
}

// openRuntimeAt is openRuntimeFrom on the named files (see
// withReadRuntime, which may swap missing ones for scratch files).
func (a *app) openRuntimeAt(cfg *config.Config, dbPath, statePath, authPath string) (*runtime, error) {
	var err error
	rt := &runtime{cfg: cfg, files: stateFiles{dbPath, statePath, authPath}, registry: prometheus.NewRegistry()}
	rt.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rt.metrics = metrics.New(rt.registry)

	rt.store, err = a.openLicenseStore(cfg, dbPath)
	if err != nil {
		return nil, err
	}
	state, err := a.openSyncState(cfg, statePath)
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.state = state
	rt.auth, err = a.openAuthStore(cfg, authPath, auth.Options{Timeout: lockTimeout, Logger: a.logger})
	if err != nil {
		rt.Close()
		return nil, err
	}
	conns, deps, err := connectors.Open(cfg, connectors.OpenOptions{Logger: a.logger, Upstream: rt.metrics})
	if err != nil {
		rt.Close()
		return nil, err
	}
	// A large source's snapshot spills beside the bbolt files, on the
	// volume that already holds the district; with PostgreSQL there is no
	// local data folder, so the system's temporary one.
	spillDir := ""
	if cfg.Store.Driver != config.DriverPostgres {
		spillDir = filepath.Dir(dbPath)
	}
	schedules, types := map[string]string{}, map[string]string{}
	for _, c := range cfg.Connectors {
		schedules[c.Name], types[c.Name] = c.Schedule, c.Type
	}
	rt.engine, err = engine.New(engine.Options{
		Store:              rt.store,
		State:              rt.state,
		Metrics:            rt.metrics,
		Logger:             a.logger,
		Connectors:         conns,
		Deployments:        deps,
		ConnectorSchedules: schedules,
		ConnectorTypes:     types,
		BatchSize:          cfg.Sync.BatchSize,
		SpillDir:           spillDir,
		Jitter:             cfg.Sync.Jitter,
		RunTimeout:         cmp.Or(cfg.Sync.RunTimeout, config.DefaultRunTimeout),
		QuarantineAfter:    cfg.Sync.QuarantineAfter,
		Calendar:           connectors.Calendar(cfg),
	})
	if err != nil {
		rt.Close()
		return nil, err
	}
	// This process holds the files: a run still marked running was cut
	// short by one that died, and is recorded as interrupted now.
	rt.engine.Recover(context.Background())
	return rt, nil
}

func lockedErr(path string, err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("%s is locked: another rollcall process (a running server?) holds it (waited %s)%s", path, lockTimeout, serverHint)
	}
	return err
}

// Close closes the sync state and the store, joining their errors.
func (rt *runtime) Close() error {
	var errs []error
	if rt.scim != nil {
		errs = append(errs, rt.scim.Close())
	}
	if rt.auth != nil {
		errs = append(errs, rt.auth.Close())
	}
	if rt.state != nil {
		errs = append(errs, rt.state.Close())
	}
	if rt.store != nil {
		errs = append(errs, rt.store.Close())
	}
	return errors.Join(errs...)
}

// withRuntime opens the runtime, runs fn and closes it.
func (a *app) withRuntime(ctx context.Context, cfgFlag string, fn func(ctx context.Context, rt *runtime) error) (err error) {
	rt, err := a.openRuntime(cfgFlag)
	if err != nil {
		return err
	}
	a.sayStateFiles(rt.cfg, rt.files, "")
	defer func() {
		if cerr := rt.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return fn(ctx, rt)
}
