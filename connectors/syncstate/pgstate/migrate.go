package pgstate

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLock is the key of the transaction-scoped advisory lock that
// makes replicas starting together migrate one after the other. It is
// the sync state's own, apart from the license store's and auth's keys.
const migrateLock int64 = 0x73796e6373746174 // "syncstat"

// versionTable keeps the sync state's schema version, apart from the
// license store's schema_version, so each component migrates on its own.
const versionTable = "syncstate_schema_version"

// Migration is one embedded schema change: migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	sql     string
}

// Migrations lists the embedded migrations in order; versions run 1, 2, 3…
func Migrations() ([]Migration, error) {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		num, rest, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.ReplaceAll(rest, "_", " "), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %d (%s): versions must run 1, 2, 3… without gaps", m.Version, m.Name)
		}
	}
	return out, nil
}

// SchemaVersion is the version this program brings a database to.
func SchemaVersion() int {
	migs, err := Migrations()
	if err != nil || len(migs) == 0 {
		return 0
	}
	return migs[len(migs)-1].Version
}

// migrate runs, in one transaction, every migration the database lacks. A
// database from a newer program is refused with a *syncstate.SchemaError.
func migrate(ctx context.Context, pool *pgxpool.Pool, where string) error {
	migs, err := Migrations()
	if err != nil {
		return fmt.Errorf("sync state in %s: %w", where, err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+versionTable+` (
			version integer PRIMARY KEY,
			name    text NOT NULL,
			applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+versionTable).Scan(&have); err != nil {
			return err
		}
		if have > len(migs) {
			return &syncstate.SchemaError{Path: where, Found: uint64(have), Supported: uint64(len(migs))}
		}
		for _, m := range migs[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+versionTable+` (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if se := (*syncstate.SchemaError)(nil); errors.As(err, &se) {
			return se
		}
		return fmt.Errorf("sync state in %s: migrate: %w", where, err)
	}
	return nil
}
