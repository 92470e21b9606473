package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/postgres"
)

// postgresOpenTimeout bounds connecting to PostgreSQL and migrating its
// schema when a runtime opens.
const postgresOpenTimeout = time.Minute

// openLicenseStore opens the license store the config names: the bbolt
// file at dbPath (the default), or the PostgreSQL database at store.url.
// Sync state stays in a bbolt file beside dbPath either way; tokens and
// sessions follow the store (openAuthStore).
func (a *app) openLicenseStore(cfg *config.Config, dbPath string) (license.Store, error) {
	if cfg.Store.Driver != config.DriverPostgres {
		s, err := bolt.Open(dbPath, bolt.Options{Timeout: lockTimeout, Logger: a.logger, BatchSize: cfg.Sync.BatchSize})
		if err != nil {
			return nil, lockedErr(dbPath, err)
		}
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), postgresOpenTimeout)
	defer cancel()
	s, err := postgres.Open(ctx, cfg.Store.URL.Value(), postgres.Options{Logger: a.logger, BatchSize: cfg.Sync.BatchSize, Now: a.now,
		// A sync run under a replica's lease carries its fence in ctx;
		// each apply transaction then checks it is still current.
		BeforeWrite: func(ctx context.Context, tx pgx.Tx) error { return pgstate.CheckContextFence(ctx, tx) }})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", storeField(cfg), err)
	}
	return s, nil
}

// storeField names the config setting of the store, for messages.
func storeField(cfg *config.Config) string {
	if cfg.File == "" {
		return "store.url"
	}
	return cfg.File + ": store.url"
}

// backupSources are the stores the admin socket can copy: the sync state,
// the tokens, and the license store when it is a bbolt file (a PostgreSQL
// store is backed up with the database's own tools, pg_dump).
func backupSources(rt *runtime) map[string]backupSource {
	m := map[string]backupSource{}
	if b, ok := rt.state.(backupSource); ok { // sync state in PostgreSQL goes with pg_dump
		m["syncstate"] = b
	}
	if rt.auth.Path() != "" { // tokens in PostgreSQL go with pg_dump too
		m["auth"] = rt.auth
	}
	if b, ok := rt.store.(backupSource); ok {
		m["store"] = b
	}
	if rt.scim != nil {
		m["scim"] = rt.scim
	}
	return m
}
