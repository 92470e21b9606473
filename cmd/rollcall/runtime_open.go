package main

import (
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
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/bolt"

	// Connector types register themselves.
	_ "github.com/rollcall-sync/rollcall/connectors/canvas"
	_ "github.com/rollcall-sync/rollcall/connectors/classroom"
	_ "github.com/rollcall-sync/rollcall/connectors/googledirectory"
	_ "github.com/rollcall-sync/rollcall/connectors/oneroster"
	_ "github.com/rollcall-sync/rollcall/connectors/static"
)

// authFile holds API tokens and sessions, beside the license database.
const authFile = "auth.db"

// runtime is everything a sync needs, opened from the config file and the
// global flags, and closed in reverse order.
type runtime struct {
	cfg      *config.Config
	store    *bolt.Store
	state    *syncstate.State
	auth     *auth.Store
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
	dir, err := a.dataDirectory()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "rollcall.yaml"), nil
}

// statePaths decides where the two bbolt files live. Explicit flags
// (--db, --data-dir, ROLLCALL_DATA_DIR) win over the config file, so one
// config can serve a container whose config folder is read-only.
func (a *app) statePaths(cfg *config.Config) (db, state string, err error) {
	db, state = cfg.Store.Path, cfg.SyncState.Path
	if a.dataDir != "" || os.Getenv("ROLLCALL_DATA_DIR") != "" {
		dir, err := a.dataDirectory()
		if err != nil {
			return "", "", err
		}
		db = filepath.Join(dir, config.DefaultStorePath)
		state = filepath.Join(dir, config.DefaultSyncStateFile)
	}
	if a.dbPath != "" {
		db = a.dbPath
		state = filepath.Join(filepath.Dir(db), config.DefaultSyncStateFile)
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
	rt := &runtime{cfg: cfg, registry: prometheus.NewRegistry()}
	rt.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rt.metrics = metrics.New(rt.registry)

	rt.store, err = bolt.Open(dbPath, bolt.Options{Timeout: lockTimeout, Logger: a.logger, BatchSize: cfg.Sync.BatchSize})
	if err != nil {
		return nil, lockedErr(dbPath, err)
	}
	rt.state, err = syncstate.Open(statePath, syncstate.Options{Timeout: lockTimeout, HistoryLimit: cfg.Sync.History})
	if err != nil {
		rt.Close()
		return nil, lockedErr(statePath, err)
	}
	authPath := filepath.Join(filepath.Dir(dbPath), authFile)
	rt.auth, err = auth.Open(authPath, auth.Options{Timeout: lockTimeout, Logger: a.logger})
	if err != nil {
		rt.Close()
		return nil, lockedErr(authPath, err)
	}
	conns, deps, err := connectors.Open(cfg, connectors.OpenOptions{Logger: a.logger, Upstream: rt.metrics})
	if err != nil {
		rt.Close()
		return nil, err
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
		Jitter:             cfg.Sync.Jitter,
	})
	if err != nil {
		rt.Close()
		return nil, err
	}
	return rt, nil
}

func lockedErr(path string, err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("%s is locked: another rollcall process (a running server?) holds it (waited %s)", path, lockTimeout)
	}
	return err
}

// Close closes the sync state and the store, joining their errors.
func (rt *runtime) Close() error {
	var errs []error
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
	defer func() {
		if cerr := rt.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return fn(ctx, rt)
}
