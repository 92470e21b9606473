package pgauth

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// Open connects to the PostgreSQL database at url (a postgres:// URL or
// key=value string), brings the auth tables up to date and returns a
// Store on them. opts.Timeout bounds each connection attempt.
func Open(ctx context.Context, url string, opts auth.Options) (*auth.Store, error) {
	st, err := OpenStorage(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	return auth.New(st, opts), nil
}

// OpenStorage is Open without the Store: the Storage alone, which owns
// (and closes) its connection pool.
func OpenStorage(ctx context.Context, url string, opts auth.Options) (*Storage, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message quotes the URL, password redacted only as far as
		// it can tell where one is: say what is wrong without it.
		return nil, fmt.Errorf("open auth store: the PostgreSQL URL is not valid; want postgres://user:password@host:port/database: %w", auth.ErrInvalid)
	}
	if opts.Timeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.Timeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open auth store: %w", err)
	}
	st, err := New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	st.owned = true
	return st, nil
}

// New makes the Storage on a pool the caller owns (one it shares with
// the license store, say) after migrating the auth tables. Close leaves
// such a pool open.
func New(ctx context.Context, pool *pgxpool.Pool) (*Storage, error) {
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("open auth store: reach PostgreSQL at %s: %w", pool.Config().ConnConfig.Host, err)
	}
	if _, err := Migrate(ctx, pool); err != nil {
		return nil, fmt.Errorf("open auth store: %w", err)
	}
	return &Storage{pool: pool}, nil
}
