package pgauth

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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles is the auth schema's history, NNNN_what.sql, applied in
// order. Append only: a shipped file is never edited.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew: the database's auth tables were migrated by a newer
// Rollcall than this one.
var ErrSchemaTooNew = errors.New("auth schema is newer than this rollcall knows: upgrade rollcall")

// versionTable records the auth schema versions applied. It is apart from
// the license store's, so the two schemas can share one database and
// evolve on their own.
const versionTable = "auth_schema_version"

// migrateLock is the advisory lock that serializes auth migrations, so
// replicas starting together apply each version once ("rcauth" in ASCII).
const migrateLock int64 = 0x726361757468

// migration is one schema version.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the versions this program knows, oldest first, and
// checks they run 1, 2, 3 … without gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, rest, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("auth migration file %s: want NNNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.ReplaceAll(rest, "_", " "), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("auth migration %d (%s): versions must run 1, 2, 3 … without gaps", m.version, m.name)
		}
	}
	return out, nil
}

// SchemaVersion is the newest auth schema version this program knows.
func SchemaVersion() int {
	m, err := migrations()
	if err != nil {
		return 0
	}
	return len(m)
}

// Migrate brings the auth tables up to date in one transaction (a failure
// leaves them as they were) and returns the schema version the database
// now has.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	migs, err := migrations()
	if err != nil {
		return 0, err
	}
	var have int
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
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+versionTable).Scan(&have); err != nil {
			return err
		}
		if have > len(migs) {
			return fmt.Errorf("auth schema version %d, this rollcall knows up to %d: %w", have, len(migs), ErrSchemaTooNew)
		}
		for _, m := range migs[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("auth migration %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+versionTable+` (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
			have = m.version
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("migrate the auth schema: %w", err)
	}
	return have, nil
}
