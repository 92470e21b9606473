package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// session is what the store keeps of a browser session, keyed by the
// SHA-256 of its cookie value.
type session struct {
	Principal Principal `json:"principal"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
}

// MaxSessionTTL bounds a session's life whatever the caller asks.
const MaxSessionTTL = 30 * 24 * time.Hour

// CreateSession starts a browser session for p, valid for ttl (capped at
// MaxSessionTTL), and returns the cookie value: 256 random bits, stored
// only as a hash. A session made from an API token dies with the token.
// Expired sessions are swept here, so the bucket does not grow forever.
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
	now := s.now().UTC()
	value := randomString(32)
	rec, err := json.Marshal(session{Principal: p, Created: now, Expires: now.Add(ttl)})
	if err != nil {
		return "", err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if err := sweep(b, now, func(v []byte) (time.Time, error) {
			var old session
			err := json.Unmarshal(v, &old)
			return old.Expires, err
		}); err != nil {
			return err
		}
		return b.Put(hashSecret(value), rec)
	})
	if err != nil {
		return "", fmt.Errorf("create session in %s: %w", s.path, err)
	}
	s.log.Info("session started", "email", p.Email, "role", p.Role, "via", p.Via, "token_id", p.TokenID)
	return value, nil
}

// sweep deletes the entries of b that expire at or before now.
func sweep(b *bbolt.Bucket, now time.Time, expires func([]byte) (time.Time, error)) error {
	var dead [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if e, err := expires(v); err != nil || !now.Before(e) {
			dead = append(dead, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Session returns the principal of a session cookie value. An unknown or
// expired session, or one whose token was revoked or expired since, is a
// *CredentialError (ErrUnauthenticated).
func (s *Store) Session(ctx context.Context, cookieValue string) (Principal, error) {
	if err := ctx.Err(); err != nil {
		return Principal{}, err
	}
	var sess session
	var found bool
	var tok Token
	var tokFound bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get(hashSecret(cookieValue))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &sess); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		found = true
		if sess.Principal.TokenID != "" {
			var err error
			tok, tokFound, err = token(tx, sess.Principal.TokenID)
			return err
		}
		return nil
	})
	if err != nil {
		return Principal{}, fmt.Errorf("read session: %w", err)
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
	err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).Delete(hashSecret(cookieValue))
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
