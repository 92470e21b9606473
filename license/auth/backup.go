package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Backup writes a consistent copy of the auth database to w, taken in one
// read transaction. The copy holds token and session hashes, never a
// token: it is as sensitive as a password file, and restoring it brings
// back exactly the tokens and sessions that were valid when it was taken.
// A storage that is no file (PostgreSQL) is backed up with the database's
// own tools: errors.ErrUnsupported.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	b, ok := s.st.(interface {
		Backup(context.Context, io.Writer) (int64, error)
	})
	if !ok {
		return 0, fmt.Errorf("backup of the auth store: it is kept in a database; back that up with its own tools: %w", errors.ErrUnsupported)
	}
	n, err := b.Backup(ctx, w)
	if err != nil {
		return n, fmt.Errorf("backup of the auth store: %w", err)
	}
	return n, nil
}
