package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/license"
)

// DefaultBatchSize is how many changes Apply writes per transaction unless
// told otherwise, as for bbolt: a million-claim sync commits about a
// hundred times, and one batch holds the license's lock for well under a
// second.
const DefaultBatchSize = 10000

// DefaultMaxConns is the connection pool's size unless the URL sets
// pool_max_conns.
const DefaultMaxConns = 16

// Options tune a Store. The zero value is usable.
type Options struct {
	// BatchSize is the default changes per Apply transaction (10000).
	BatchSize int
	// Logger receives migration and apply logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock for expiry and default timestamps; nil is time.Now.
	Now func() time.Time
	// NoMigrate opens without bringing the schema up to date; Open then
	// fails unless the schema is exactly what this program knows.
	NoMigrate bool
	// BeforeWrite, when set, runs first inside every transaction that
	// writes claims or feed entries (each Apply batch, Record), after the
	// license row is locked; an error rolls the transaction back and fails
	// the call. Replicas check their lease's fencing token here
	// (connectors/syncstate/pgstate.CheckContextFence, which share-locks
	// the lease row to the commit), so a replica paused past its lease
	// cannot apply a plan it made before.
	BeforeWrite func(ctx context.Context, tx pgx.Tx) error
}

// Store is the PostgreSQL license.Store. It is safe for concurrent use,
// and several Stores (processes) may share one database.
type Store struct {
	pool  *pgxpool.Pool
	where string // the URL without credentials, for messages
	batch int
	log   *slog.Logger
	now   func() time.Time
	// beforeWrite is Options.BeforeWrite, or nil.
	beforeWrite func(ctx context.Context, tx pgx.Tx) error
	// applied are the schema versions Open applied.
	applied []Applied

	feedMu      sync.Mutex
	feedChanged chan struct{} // closed and replaced at each commit adding to the feed
	lis         listener      // LISTEN for other processes' commits (listen.go)
	closed      bool
}

var (
	_ license.Store  = (*Store)(nil)
	_ license.Outbox = (*Store)(nil)
)

// Open connects to the database at rawURL (postgres://...; pgxpool's
// pool_* parameters are honoured) and brings its schema up to date.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	where := Redact(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, fmt.Errorf("open store %s: the URL is not a PostgreSQL connection URL", where)
	}
	if !strings.Contains(rawURL, "pool_max_conns") {
		// pgxpool's default is the number of CPUs (at least 4): too few
		// for a server whose syncs, API requests and webhook deliveries
		// each hold a connection for a while.
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	s := &Store{pool: pool, where: where, batch: opts.BatchSize, log: opts.Logger, now: opts.Now, beforeWrite: opts.BeforeWrite}
	if s.batch <= 0 {
		s.batch = DefaultBatchSize
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	if opts.NoMigrate {
		err = s.checkSchema(ctx)
	} else {
		_, s.applied, err = Migrate(ctx, pool)
		for _, a := range s.applied {
			s.log.Info("store schema migrated", slog.Int("version", a.Version), slog.String("name", a.Name))
		}
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	return s, nil
}

func (s *Store) checkSchema(ctx context.Context) error {
	migs, err := Migrations()
	if err != nil {
		return err
	}
	var have int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&have); err != nil {
		return fmt.Errorf("read schema version (run rollcall migrate): %w", err)
	}
	switch {
	case have > len(migs):
		return fmt.Errorf("schema version %d, this program knows up to %d: %w", have, len(migs), ErrSchemaTooNew)
	case have < len(migs):
		return fmt.Errorf("schema version %d, this program needs %d: run rollcall migrate", have, len(migs))
	}
	return nil
}

// Redact returns a connection URL without its password, for messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "(a PostgreSQL URL)"
	}
	return u.Redacted()
}

// Applied lists the schema versions Open applied (none when the schema
// was already current).
func (s *Store) Applied() []Applied { return s.applied }

// Where is the database the store uses, its URL without the password.
func (s *Store) Where() string { return s.where }

// Pool is the connection pool, for the migrate command and tests.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.stopListening()
	s.pool.Close()
	return nil
}

func (s *Store) clock(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
	}
	return t.UTC().Round(0)
}

// tx runs fn in a read-committed transaction.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// snapshot runs fn in a read-only transaction that sees one snapshot.
func (s *Store) snapshot(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// lockLicense locks license id's row for the rest of tx, so that every
// writer of the license, in any process, takes its turn, and returns the
// record and its last event seq.
func lockLicense(ctx context.Context, tx pgx.Tx, id string) (license.License, uint64, error) {
	var raw []byte
	var seq int64
	err := tx.QueryRow(ctx, `SELECT record, event_seq FROM licenses WHERE id = $1 FOR UPDATE`, id).Scan(&raw, &seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return license.License{}, 0, fmt.Errorf("license %q: %w", id, license.ErrNotFound)
	}
	if err != nil {
		return license.License{}, 0, err
	}
	l, err := decodeLicense(id, raw)
	return l, uint64(seq), err
}

// checkWrite runs Options.BeforeWrite in tx.
func (s *Store) checkWrite(ctx context.Context, tx pgx.Tx) error {
	if s.beforeWrite == nil {
		return nil
	}
	return s.beforeWrite(ctx, tx)
}

// licenseExists returns ErrNotFound when license id does not exist.
func licenseExists(ctx context.Context, q querier, id string) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM licenses WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("license %q: %w", id, license.ErrNotFound)
	}
	return err
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// isUnique reports whether err is a unique violation of constraint.
func isUnique(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
