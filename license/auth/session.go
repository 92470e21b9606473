package auth

import (
	"context"
	"fmt"
	"time"
)

// MaxSessionTTL bounds a session's life whatever the caller asks.
const MaxSessionTTL = 30 * 24 * time.Hour

// CreateSession starts a browser session for p, valid for ttl (capped at
// MaxSessionTTL), and returns the cookie value: 256 random bits, stored
// only as a hash. A session made from an API token dies with the token.
// Expired sessions are swept here, so the storage does not grow forever.
func (s *Store) CreateSession(ctx context.Context, p Principal, ttl time.Duration) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if p.Anonymous() {
		return "", fmt.Errorf("create session: no principal: %w", ErrUnauthenticated)
	}
	if ttl <= 0 || ttl > MaxSessionTTL {
		ttl = MaxSessionTTL
	}
	if p.Via != ViaOIDC {
		p.Via = ViaSession
	}
	now := storedTime(s.now())
	value := randomString(32)
	rec := SessionRecord{Principal: p, Created: now, Expires: storedTime(now.Add(ttl))}
	if err := s.st.PutSession(ctx, hashSecret(value), rec, now); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	s.log.Info("session started", "email", p.Email, "role", p.Role, "via", p.Via, "token_id", p.TokenID)
	return value, nil
}

// Session returns the principal of a session cookie value. An unknown or
// expired session, or one whose token was revoked or expired since, is a
// *CredentialError (ErrUnauthenticated).
func (s *Store) Session(ctx context.Context, cookieValue string) (Principal, error) {
	if err := ctx.Err(); err != nil {
		return Principal{}, err
	}
	sess, found, err := s.st.Session(ctx, hashSecret(cookieValue))
	if err != nil {
		return Principal{}, fmt.Errorf("read session: %w", err)
	}
	// The token is read after the session, so a revocation that lands
	// between the two reads is seen.
	var tok TokenRecord
	var tokFound bool
	if found && sess.Principal.TokenID != "" {
		tok, tokFound, err = s.st.TokenByID(ctx, sess.Principal.TokenID)
		if err != nil {
			return Principal{}, fmt.Errorf("read session: %w", err)
		}
	}
	now := s.now()
	switch {
	case !found:
		return Principal{}, &CredentialError{What: "session", Reason: ReasonUnknown}
	case !now.Before(sess.Expires):
		return Principal{}, &CredentialError{What: "session", Reason: ReasonExpired}
	case sess.Principal.TokenID != "" && (!tokFound || !tok.Active(now)):
		return Principal{}, &CredentialError{What: "session", Reason: ReasonRevoked}
	}
	return sess.Principal, nil
}

// DeleteSession ends a session (sign out). An unknown value is not an error.
func (s *Store) DeleteSession(ctx context.Context, cookieValue string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.st.DeleteSession(ctx, hashSecret(cookieValue)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// startLogin keeps a pending OIDC sign-in under the hash of its state,
// sweeping those that have run out.
func (s *Store) startLogin(ctx context.Context, state string, pl PendingLogin) error {
	pl.Expires = storedTime(pl.Expires)
	return s.st.PutLogin(ctx, hashSecret(state), pl, storedTime(s.now()))
}

// takeLogin returns the pending sign-in of state and forgets it.
func (s *Store) takeLogin(ctx context.Context, state string) (PendingLogin, bool, error) {
	return s.st.TakeLogin(ctx, hashSecret(state))
}
