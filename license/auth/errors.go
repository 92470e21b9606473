package auth

import (
	"errors"

	"github.com/rollcall-sync/rollcall/license"
)

// Sentinel errors callers branch on.
var (
	// ErrUnauthenticated: no valid credentials (HTTP 401).
	ErrUnauthenticated = errors.New("not signed in")
	// ErrForbidden: signed in, but not allowed (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid is license.ErrInvalid, so one branch serves both packages.
	ErrInvalid = license.ErrInvalid
	// ErrNotFound is license.ErrNotFound: an unknown token id, or a license
	// the caller may not see.
	ErrNotFound = license.ErrNotFound
)

// CredentialError is a token or session that exists but no longer works.
// It wraps ErrUnauthenticated.
type CredentialError struct {
	What   string // "token" or "session"
	ID     string // the token id (never the token), empty for sessions
	Reason string // "expired", "revoked", "unknown"
}

func (e *CredentialError) Error() string {
	if e.ID != "" {
		return e.What + " " + e.ID + " " + e.Reason
	}
	return e.What + " " + e.Reason
}

// Unwrap lets errors.Is(err, ErrUnauthenticated) hold.
func (e *CredentialError) Unwrap() error { return ErrUnauthenticated }

// Reasons a credential fails.
const (
	ReasonUnknown = "unknown"
	ReasonExpired = "expired"
	ReasonRevoked = "revoked"
)
