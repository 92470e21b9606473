package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/postgres"
)

func (a *app) migrateCmd() *cobra.Command {
	var cfgPath, to, fromBolt string
	c := &cobra.Command{
		Use:   "migrate [--to postgres://...] [--from-bolt PATH]",
		Short: "Set up or upgrade the PostgreSQL store's schema, and copy a bbolt store into it",
		Long: `migrate applies the PostgreSQL store's schema migrations that the
database lacks, in one transaction, and prints every schema version it has.
The database is --to URL, else the config file's store.url (store.driver
postgres). rollcall serve also migrates when it starts; migrate lets an
operator do it first, with a role allowed to create tables.

--from-bolt PATH then copies a bbolt license store into the database:
licenses with their keys, members with every claim and its times, the
audit trail, the change feed with its cursors, webhooks with their
delivery cursors and dead letters, and domain admins. PATH is a
rollcall.db file or a 'rollcall backup' folder; stop the server that holds
the file first, or copy from a backup. The database must hold no license
yet; the copy is one transaction, so a failure leaves it empty. The sync
state (syncstate.db beside it: run history, pending plans, run-time
deployments, quarantine) is copied into the database's syncstate_ tables
too, where it lives with store.driver postgres, and so are the API
tokens of auth.db (revoked and expired ones stay so); sessions are not
copied: people sign in to the dashboard again.

  rollcall backup --out /backup/2026-08-01
  rollcall migrate --from-bolt /backup/2026-08-01 --to "$DATABASE_URL"
  then set store: {driver: postgres, url: ${DATABASE_URL}} and start serve.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runMigrate(cmd, cfgPath, to, fromBolt)
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file whose store.url names the database")
	c.Flags().StringVar(&to, "to", "", "PostgreSQL URL (postgres://user:password@host/db); default: the config's store.url")
	c.Flags().StringVar(&fromBolt, "from-bolt", "", "copy this bbolt store (a rollcall.db file or a backup folder) into the database")
	return c
}

// migrateOutput is what migrate prints with --json.
type migrateOutput struct {
	Database string                `json:"database"` // without the password
	Versions []postgres.Applied    `json:"versions"`
	Applied  []int                 `json:"applied"`
	Import   *postgres.ImportStats `json:"import,omitempty"`
	// SyncState is what --from-bolt copied of syncstate.db.
	SyncState *pgstate.ImportCounts `json:"sync_state,omitempty"`
	// Tokens is how many API tokens --from-bolt copied from auth.db.
	Tokens *int `json:"tokens,omitempty"`
	// The schema versions of the sync state's and auth's tables, which
	// migrate brought up to date beside the store's.
	SyncStateSchema int `json:"sync_state_schema"`
	AuthSchema      int `json:"auth_schema"`
}

func (a *app) runMigrate(cmd *cobra.Command, cfgPath, to, fromBolt string) error {
	if to == "" {
		cfg, err := a.loadConfig(cfgPath)
		if err != nil {
			return err
		}
		if cfg.Store.Driver != config.DriverPostgres {
			return usageErr(cmd, "no database to migrate: give --to postgres://... or a config file with store.driver postgres and store.url")
		}
		to = cfg.Store.URL.Value()
	}
	var src *bolt.Store
	if fromBolt != "" {
		path := fromBolt
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			path = filepath.Join(path, "rollcall.db")
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("--from-bolt: %w", err)
		}
		var err error
		if src, err = bolt.Open(path, bolt.Options{Timeout: lockTimeout, Logger: a.logger}); err != nil {
			return lockedErr(path, err)
		}
		defer src.Close()
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), postgresOpenTimeout)
	defer cancel()
	// Open migrates; Migrate again reads back every version the database has.
	s, err := postgres.Open(ctx, to, postgres.Options{Logger: a.logger, Now: a.now})
	if err != nil {
		return err
	}
	defer s.Close()
	all, _, err := postgres.Migrate(ctx, s.Pool())
	if err != nil {
		return err
	}
	out := migrateOutput{Database: s.Where(), Versions: all, Applied: []int{}}
	for _, v := range s.Applied() {
		out.Applied = append(out.Applied, v.Version)
	}
	if src != nil {
		st, err := s.Import(cmd.Context(), src, func(format string, args ...any) {
			a.logger.Info("migrate: "+fmt.Sprintf(format, args...), "from", src.Path())
		})
		if errors.Is(err, postgres.ErrNotEmpty) {
			return fmt.Errorf("--from-bolt %s: %w", src.Path(), err)
		}
		if err != nil {
			return err
		}
		out.Import = &st
	}
	if out.SyncState, err = a.migrateSyncState(ctx, to, fromBolt); err != nil {
		return err
	}
	if out.Tokens, err = a.migrateTokens(ctx, s.Pool(), fromBolt); err != nil {
		return err
	}
	out.SyncStateSchema, out.AuthSchema = pgstate.SchemaVersion(), pgauth.SchemaVersion()
	if a.jsonOut {
		return a.printJSON(out)
	}
	fmt.Fprintf(a.stdout, "database %s\n", out.Database)
	t := newTable(a.stdout, "VERSION", "NAME", "APPLIED")
	for _, v := range all {
		when := v.Applied.Format(time.RFC3339)
		if slices.Contains(out.Applied, v.Version) {
			when += " (now)"
		}
		t.row(fmt.Sprint(v.Version), v.Name, when)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "sync state tables: schema %d; auth tables: schema %d\n", out.SyncStateSchema, out.AuthSchema)
	if st := out.Import; st != nil {
		fmt.Fprintf(a.stdout, "copied from %s: %d licenses, %d members, %d audit events, %d feed entries, %d webhooks, %d dead letters, %d domain admins\n",
			src.Path(), st.Licenses, st.Members, st.Events, st.FeedEntries, st.Webhooks, st.DeadLetters, st.DomainAdmins)
	}
	if n := out.SyncState; n != nil {
		fmt.Fprintf(a.stdout, "copied sync state: %d runs of %d deployments, %d plans, %d run-time deployments\n", n.Runs, n.Deployments, n.Plans, n.RunTime)
	}
	if n := out.Tokens; n != nil {
		fmt.Fprintf(a.stdout, "copied %d API tokens\n", *n)
	}
	return nil
}
