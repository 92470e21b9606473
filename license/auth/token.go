package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// Token is what the store keeps of an API token: never the token itself,
// only its SHA-256 (a 256-bit random token needs no slow hash) and a short
// prefix people can match against what they hold.
type Token struct {
	ID      string    `json:"id"`
	Prefix  string    `json:"prefix"`
	Email   string    `json:"email"`
	Role    Role      `json:"role"`
	Note    string    `json:"note,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"` // zero: never
	Revoked time.Time `json:"revoked,omitzero"`
	hash    []byte
}

// tokenRecord is Token as stored, with the hash Token never shows.
type tokenRecord struct {
	Token
	Hash []byte `json:"hash"`
}

// tokenPrefix starts every token, so secret scanners can spot leaked ones.
const tokenPrefix = "rcat_"

// prefixLen is how much of a token is shown in listings.
const prefixLen = len(tokenPrefix) + 6

// Expired reports whether the token has expired at now.
func (t Token) Expired(now time.Time) bool { return !t.Expires.IsZero() && !now.Before(t.Expires) }

// Active reports whether the token works at now.
func (t Token) Active(now time.Time) bool { return t.Revoked.IsZero() && !t.Expired(now) }

func hashSecret(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateToken makes a token for email with role, valid for ttl (zero: no
// expiry). The plaintext is returned once and never stored.
func (s *Store) CreateToken(ctx context.Context, email string, role Role, ttl time.Duration, note string) (string, Token, error) {
	if err := ctx.Err(); err != nil {
		return "", Token{}, err
	}
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	if ttl < 0 {
		return "", Token{}, fmt.Errorf("create token: ttl %s: must not be negative: %w", ttl, ErrInvalid)
	}
	note = strings.TrimSpace(note)
	if len(note) > 200 {
		return "", Token{}, fmt.Errorf("create token: note: longer than 200 characters: %w", ErrInvalid)
	}
	plain := tokenPrefix + randomString(32)
	now := s.now().UTC()
	var idb [8]byte
	_, _ = rand.Read(idb[:])
	t := Token{ID: hex.EncodeToString(idb[:]), Prefix: plain[:prefixLen], Email: e, Role: role, Note: note, Created: now}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	t.hash = hashSecret(plain)
	rec, err := json.Marshal(tokenRecord{Token: t, Hash: t.hash})
	if err != nil {
		return "", Token{}, err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketTokens).Put([]byte(t.ID), rec); err != nil {
			return err
		}
		return tx.Bucket(bucketTokenHashes).Put(t.hash, []byte(t.ID))
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("create token in %s: %w", s.path, err)
	}
	s.log.Info("token created", "token_id", t.ID, "email", e, "role", role, "expires", t.Expires)
	return plain, t, nil
}

func decodeToken(v []byte) (Token, error) {
	var r tokenRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return Token{}, err
	}
	r.Token.hash = r.Hash
	return r.Token, nil
}

// token reads a token by id inside tx.
func token(tx *bbolt.Tx, id string) (Token, bool, error) {
	v := tx.Bucket(bucketTokens).Get([]byte(id))
	if v == nil {
		return Token{}, false, nil
	}
	t, err := decodeToken(v)
	if err != nil {
		return Token{}, false, fmt.Errorf("token %s: %w", id, err)
	}
	return t, true, nil
}

// Authenticate returns the principal a token stands for. An unknown,
// expired or revoked token is a *CredentialError (ErrUnauthenticated).
func (s *Store) Authenticate(ctx context.Context, plaintext string) (Principal, error) {
	if err := ctx.Err(); err != nil {
		return Principal{}, err
	}
	t, err := s.lookupToken(plaintext)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Email: t.Email, Role: t.Role, TokenID: t.ID, Via: ViaToken}, nil
}

func (s *Store) lookupToken(plaintext string) (Token, error) {
	h := hashSecret(strings.TrimSpace(plaintext))
	var t Token
	var found bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		id := tx.Bucket(bucketTokenHashes).Get(h)
		if id == nil {
			return nil
		}
		var err error
		t, found, err = token(tx, string(id))
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	// The index is keyed by the hash, so the lookup reveals nothing of the
	// token; the comparison below keeps the final check constant-time too.
	if !found || subtle.ConstantTimeCompare(t.hash, h) != 1 {
		return Token{}, &CredentialError{What: "token", Reason: ReasonUnknown}
	}
	now := s.now()
	switch {
	case !t.Revoked.IsZero():
		return Token{}, &CredentialError{What: "token", ID: t.ID, Reason: ReasonRevoked}
	case t.Expired(now):
		return Token{}, &CredentialError{What: "token", ID: t.ID, Reason: ReasonExpired}
	}
	return t, nil
}

// Revoke stops a token working at once. Revoking twice is not an error;
// an unknown id is ErrNotFound.
func (s *Store) Revoke(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		t, ok, err := token(tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("token %q: %w", id, ErrNotFound)
		}
		if !t.Revoked.IsZero() {
			return nil
		}
		t.Revoked = s.now().UTC()
		rec, err := json.Marshal(tokenRecord{Token: t, Hash: t.hash})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketTokens).Put([]byte(id), rec)
	})
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	s.log.Info("token revoked", "token_id", id)
	return nil
}

// Token returns one token by id, or ErrNotFound.
func (s *Store) Token(ctx context.Context, id string) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	var t Token
	var ok bool
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		t, ok, err = token(tx, id)
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("read token %s: %w", id, err)
	}
	if !ok {
		return Token{}, fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	return t, nil
}

// ListTokens returns every token, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Token
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
			t, err := decodeToken(v)
			if err != nil {
				return fmt.Errorf("token %s: %w", k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	slices.SortFunc(out, func(a, b Token) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
