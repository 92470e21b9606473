package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth"
)

// migrateTokens brings the auth tables in the database up to date and,
// with --from-bolt, copies the API tokens of the auth.db found beside the
// store (in the backup folder, or beside the rollcall.db file) into them,
// so applications keep working after the move. Sessions are not copied:
// people sign in again. It returns how many tokens it copied (nil when
// there was no auth.db to copy).
func (a *app) migrateTokens(ctx context.Context, pool *pgxpool.Pool, fromBolt string) (*int, error) {
	dst, err := pgauth.New(ctx, pool)
	if err != nil {
		return nil, err
	}
	if fromBolt == "" {
		return nil, nil
	}
	dir := fromBolt
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = filepath.Dir(fromBolt)
	}
	path := filepath.Join(dir, authFile)
	// auth.OpenBolt would create a missing file: look first.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	src, err := auth.OpenBolt(path, lockTimeout)
	if err != nil {
		return nil, lockedErr(path, err)
	}
	defer src.Close()
	n, err := auth.CopyTokens(ctx, dst, src)
	if err != nil {
		return nil, fmt.Errorf("--from-bolt: tokens of %s: %w", path, err)
	}
	return &n, nil
}
