package pgauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// Storage is auth.Storage on PostgreSQL. Every method is one statement, so
// each is atomic on its own and replicas may call them at once.
type Storage struct {
	pool  *pgxpool.Pool
	owned bool // Close closes the pool
}

var _ auth.Storage = (*Storage)(nil)

// Close closes the pool if the Storage opened it.
func (s *Storage) Close() error {
	if s.owned {
		s.pool.Close()
	}
	return nil
}

// orNull turns the zero time, which means never, into NULL.
func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNull reads a nullable time back, in UTC; NULL is the zero time.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// orEmpty keeps NOT NULL bytea columns happy with a nil slice.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (s *Storage) PutToken(ctx context.Context, t auth.TokenRecord) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO auth_tokens (id, hash, prefix, email, role, note, created, expires, revoked)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.Hash, t.Prefix, t.Email, string(t.Role), t.Note, t.Created, orNull(t.Expires), orNull(t.Revoked))
	if err != nil {
		return fmt.Errorf("store token %s: %w", t.ID, err)
	}
	return nil
}

const tokenColumns = `id, hash, prefix, email, role, note, created, expires, revoked`

func scanToken(row pgx.Row) (auth.TokenRecord, bool, error) {
	var t auth.TokenRecord
	var role string
	var expires, revoked *time.Time
	err := row.Scan(&t.ID, &t.Hash, &t.Prefix, &t.Email, &role, &t.Note, &t.Created, &expires, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.TokenRecord{}, false, nil
	}
	if err != nil {
		return auth.TokenRecord{}, false, err
	}
	t.Role = auth.Role(role)
	t.Created = t.Created.UTC()
	t.Expires, t.Revoked = fromNull(expires), fromNull(revoked)
	return t, true, nil
}

func (s *Storage) TokenByHash(ctx context.Context, h []byte) (auth.TokenRecord, bool, error) {
	t, ok, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE hash = $1`, h))
	if err != nil {
		return t, ok, fmt.Errorf("read token by hash: %w", err)
	}
	return t, ok, nil
}

func (s *Storage) TokenByID(ctx context.Context, id string) (auth.TokenRecord, bool, error) {
	t, ok, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE id = $1`, id))
	if err != nil {
		return t, ok, fmt.Errorf("read token %s: %w", id, err)
	}
	return t, ok, nil
}

func (s *Storage) Tokens(ctx context.Context) ([]auth.TokenRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM auth_tokens`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.TokenRecord, error) {
		t, _, err := scanToken(r)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken keeps the first revocation: under concurrent revokes the
// row lock serializes them and coalesce sees the winner's time.
func (s *Storage) RevokeToken(ctx context.Context, id string, at time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE auth_tokens SET revoked = coalesce(revoked, $2) WHERE id = $1`, id, at)
	if err != nil {
		return false, fmt.Errorf("revoke token %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// PutSession sweeps and inserts in one statement. The sweep skips rows
// another sweeper holds (it deletes them itself), so parallel sign-ins
// neither wait on nor deadlock with each other.
func (s *Storage) PutSession(ctx context.Context, h []byte, r auth.SessionRecord, now time.Time) error {
	p := r.Principal
	_, err := s.pool.Exec(ctx, `WITH swept AS (
			DELETE FROM auth_sessions WHERE hash IN (
				SELECT hash FROM auth_sessions WHERE expires <= $8 FOR UPDATE SKIP LOCKED))
		INSERT INTO auth_sessions (hash, email, role, token_id, via, created, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		h, p.Email, string(p.Role), p.TokenID, p.Via, r.Created, r.Expires, now)
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

func (s *Storage) Session(ctx context.Context, h []byte) (auth.SessionRecord, bool, error) {
	var r auth.SessionRecord
	var role string
	err := s.pool.QueryRow(ctx, `SELECT email, role, token_id, via, created, expires FROM auth_sessions WHERE hash = $1`, h).
		Scan(&r.Principal.Email, &role, &r.Principal.TokenID, &r.Principal.Via, &r.Created, &r.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.SessionRecord{}, false, nil
	}
	if err != nil {
		return auth.SessionRecord{}, false, fmt.Errorf("read session: %w", err)
	}
	r.Principal.Role = auth.Role(role)
	r.Created, r.Expires = r.Created.UTC(), r.Expires.UTC()
	return r, true, nil
}

func (s *Storage) DeleteSession(ctx context.Context, h []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM auth_sessions WHERE hash = $1`, h); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (s *Storage) PutLogin(ctx context.Context, h []byte, l auth.PendingLogin, now time.Time) error {
	_, err := s.pool.Exec(ctx, `WITH swept AS (
			DELETE FROM auth_oidc_logins WHERE hash IN (
				SELECT hash FROM auth_oidc_logins WHERE expires <= $7 FOR UPDATE SKIP LOCKED))
		INSERT INTO auth_oidc_logins (hash, binding, nonce, verifier, return_to, expires)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		h, orEmpty(l.Binding), l.Nonce, l.Verifier, l.Return, l.Expires, now)
	if err != nil {
		return fmt.Errorf("store sign-in state: %w", err)
	}
	return nil
}

// TakeLogin deletes and returns in one statement: of replicas racing for
// one state, exactly one gets the row.
func (s *Storage) TakeLogin(ctx context.Context, h []byte) (auth.PendingLogin, bool, error) {
	var l auth.PendingLogin
	err := s.pool.QueryRow(ctx, `DELETE FROM auth_oidc_logins WHERE hash = $1
		RETURNING binding, nonce, verifier, return_to, expires`, h).
		Scan(&l.Binding, &l.Nonce, &l.Verifier, &l.Return, &l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.PendingLogin{}, false, nil
	}
	if err != nil {
		return auth.PendingLogin{}, false, fmt.Errorf("take sign-in state: %w", err)
	}
	l.Expires = l.Expires.UTC()
	return l, true, nil
}
