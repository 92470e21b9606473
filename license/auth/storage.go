package auth

import (
	"context"
	"time"
)

// Storage is where a Store keeps its records: the bbolt file Open makes, or
// a database (package pgauth). The rules (who may have a token, what
// expires when, what a revoked token takes with it) live once, in Store;
// a Storage only keeps records, so every backend hashes and expires alike.
//
// A Storage never sees a secret: tokens, session cookies and OIDC states
// reach it as their SHA-256, and the record types carry no plaintext.
// Times reach it in UTC with microsecond precision, which every backend
// keeps exactly. Implementations are safe for concurrent use; the
// conformance suite in package authtest is the contract in full.
type Storage interface {
	// PutToken stores a new token; its id and hash are unique.
	PutToken(ctx context.Context, t TokenRecord) error
	// TokenByHash returns the token whose hash is h; ok is false when
	// there is none.
	TokenByHash(ctx context.Context, h []byte) (t TokenRecord, ok bool, err error)
	// TokenByID returns the token with this id; ok is false when there is
	// none.
	TokenByID(ctx context.Context, id string) (t TokenRecord, ok bool, err error)
	// Tokens returns every token, in any order.
	Tokens(ctx context.Context) ([]TokenRecord, error)
	// RevokeToken sets the token's Revoked time to at, unless it is set
	// already (the first revocation stands); ok is false for an unknown id.
	RevokeToken(ctx context.Context, id string, at time.Time) (ok bool, err error)

	// PutSession stores a session under h and, in the same step, deletes
	// the sessions that expire at or before now, so they do not pile up.
	PutSession(ctx context.Context, h []byte, s SessionRecord, now time.Time) error
	// Session returns the session stored under h; ok is false when there
	// is none. Expired sessions may still be returned: Store judges them.
	Session(ctx context.Context, h []byte) (s SessionRecord, ok bool, err error)
	// DeleteSession removes the session under h; none is not an error.
	DeleteSession(ctx context.Context, h []byte) error

	// PutLogin stores a pending OIDC sign-in under h and deletes those
	// that expire at or before now.
	PutLogin(ctx context.Context, h []byte, l PendingLogin, now time.Time) error
	// TakeLogin returns the pending sign-in under h and deletes it in one
	// step, so a state is good once even between replicas.
	TakeLogin(ctx context.Context, h []byte) (l PendingLogin, ok bool, err error)

	// Close releases the storage.
	Close() error
}

// TokenRecord is a Token as stored: with the SHA-256 of the token, which
// Token itself never shows.
type TokenRecord struct {
	Token
	Hash []byte `json:"hash"`
}

// SessionRecord is what is kept of a browser session, keyed by the SHA-256
// of its cookie value.
type SessionRecord struct {
	Principal Principal `json:"principal"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
}

// PendingLogin is an OIDC sign-in under way, keyed by the SHA-256 of its
// state. Nonce and verifier are one-use values of this sign-in only.
type PendingLogin struct {
	Binding  []byte    `json:"binding"` // SHA-256 of the browser cookie
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"` // PKCE
	Return   string    `json:"return"`
	Expires  time.Time `json:"expires"`
}

// storedTime is a time as every Storage keeps it: UTC, to the microsecond
// (PostgreSQL's resolution), so that what is read back equals what was
// written on every backend and expiry falls on the same instant.
func storedTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
