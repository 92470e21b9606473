package pgstate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// Options tune a State. The zero value is usable.
type Options struct {
	// HistoryLimit is how many runs (and decided plans) are kept per
	// deployment; 0 means syncstate.DefaultHistoryLimit.
	HistoryLimit int
	// Now stamps plans created or decided without a time; nil: time.Now.
	Now func() time.Time
}

// State is the sync state in a PostgreSQL database. It is safe for
// concurrent use, by goroutines and by other processes on the same database.
type State struct {
	pool    *pgxpool.Pool
	ownPool bool
	where   string // names the database in errors, without credentials
	limit   int
	now     func() time.Time
}

var _ syncstate.Backend = (*State)(nil)

// Open connects to the database at url, brings the sync state's tables up
// to date and returns the state, which owns its connection pool.
func Open(ctx context.Context, url string, opts Options) (*State, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message repeats the URL with the password masked.
		return nil, fmt.Errorf("sync state: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sync state: %w", err)
	}
	s, err := New(ctx, pool, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownPool = true
	return s, nil
}

// New is Open on a pool the caller owns (and closes after Close), such as
// the license store's, so that one process keeps one pool per database.
func New(ctx context.Context, pool *pgxpool.Pool, opts Options) (*State, error) {
	cfg := pool.Config().ConnConfig
	where := fmt.Sprintf("PostgreSQL database %q on %s:%d", cfg.Database, cfg.Host, cfg.Port)
	if opts.HistoryLimit < 0 {
		return nil, fmt.Errorf("sync state in %s: history limit %d: must not be negative", where, opts.HistoryLimit)
	}
	if opts.HistoryLimit == 0 {
		opts.HistoryLimit = syncstate.DefaultHistoryLimit
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := migrate(ctx, pool, where); err != nil {
		return nil, err
	}
	return &State{pool: pool, where: where, limit: opts.HistoryLimit, now: opts.Now}, nil
}

// Pool is the connection pool the state uses.
func (s *State) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool if Open made it; a pool given to New stays open.
func (s *State) Close() error {
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

// update runs fn in one read-committed transaction. Every read that a
// write depends on locks its row (FOR UPDATE, or the upsert of a head
// row), which is what serialises writers of one deployment across
// processes.
func (s *State) update(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// notFound wraps syncstate.ErrNotFound for pgx.ErrNoRows, so callers
// branch on the sync state's sentinel whatever the backend.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, syncstate.ErrNotFound)
	}
	return err
}

// orNil returns nil for an empty list, as the bbolt backend does, so that
// callers encoding lists to JSON print the same for either backend.
func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
