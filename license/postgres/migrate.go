package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles is the schema history, NNNN_what.sql, applied in order;
// append only, never edit a shipped one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew: the database was migrated by a newer Rollcall.
var ErrSchemaTooNew = errors.New("database schema is newer than this program knows")

// migrateLock is the advisory lock key that serializes migrations, so two
// processes starting on one database do not both apply a version.
const migrateLock = 0x726f6c6c63616c6c // "rollcall"

// Migration is one schema version.
type Migration struct {
	Version int
	Name    string
	sql     string
}

// Applied is a schema version the database has, and when it got it.
type Applied struct {
	Version int       `json:"version"`
	Name    string    `json:"name"`
	Applied time.Time `json:"applied"`
}

// Migrations lists the schema versions this program knows, oldest first.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", name)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.ReplaceAll(rest, "_", " "), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %d (%s): versions must run 1, 2, 3 … without gaps", m.Version, m.Name)
		}
	}
	return out, nil
}

// Migrate brings the database's schema up to date in one transaction (a
// failure leaves it at the version it had) and returns every version the
// database now has, with the ones this call applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (all, applied []Applied, err error) {
	migs, err := Migrations()
	if err != nil {
		return nil, nil, err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version integer PRIMARY KEY,
			name    text NOT NULL,
			applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&have); err != nil {
			return err
		}
		if have > len(migs) {
			return fmt.Errorf("schema version %d, this program knows up to %d: %w", have, len(migs), ErrSchemaTooNew)
		}
		for _, m := range migs[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			var at time.Time
			if err := tx.QueryRow(ctx, `INSERT INTO schema_version (version, name) VALUES ($1, $2) RETURNING applied`, m.Version, m.Name).Scan(&at); err != nil {
				return err
			}
			applied = append(applied, Applied{Version: m.Version, Name: m.Name, Applied: at.UTC()})
		}
		rows, err := tx.Query(ctx, `SELECT version, name, applied FROM schema_version ORDER BY version`)
		if err != nil {
			return err
		}
		all, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Applied, error) {
			var a Applied
			err := r.Scan(&a.Version, &a.Name, &a.Applied)
			a.Applied = a.Applied.UTC()
			return a, err
		})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return all, applied, nil
}
