package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Token is what the store keeps of an API token: never the token itself,
// only its SHA-256 (a 256-bit random token needs no slow hash, see
// TokenRecord) and a short prefix people can match against what they hold.
type Token struct {
	ID      string    `json:"id"`
	Prefix  string    `json:"prefix"`
	Email   string    `json:"email"`
	Role    Role      `json:"role"`
	Note    string    `json:"note,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"` // zero: never
	Revoked time.Time `json:"revoked,omitzero"`
}

// tokenPrefix starts every token, so secret scanners can spot leaked ones.
const tokenPrefix = "rcat_"

// prefixLen is how much of a token is shown in listings.
const prefixLen = len(tokenPrefix) + 6

// Expired reports whether the token has expired at now.
func (t Token) Expired(now time.Time) bool { return !t.Expires.IsZero() && !now.Before(t.Expires) }

// Active reports whether the token works at now.
func (t Token) Active(now time.Time) bool { return t.Revoked.IsZero() && !t.Expired(now) }

// hashSecret is the SHA-256 under which a token, session cookie or OIDC
// state is stored.
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
	now := storedTime(s.now())
	var idb [8]byte
	_, _ = rand.Read(idb[:])
	t := Token{ID: hex.EncodeToString(idb[:]), Prefix: plain[:prefixLen], Email: e, Role: role, Note: note, Created: now}
	if ttl > 0 {
		t.Expires = storedTime(now.Add(ttl))
	}
	if err := s.st.PutToken(ctx, TokenRecord{Token: t, Hash: hashSecret(plain)}); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	s.log.Info("token created", "token_id", t.ID, "email", e, "role", role, "expires", t.Expires)
	return plain, t, nil
}

// Authenticate returns the principal a token stands for. An unknown,
// expired or revoked token is a *CredentialError (ErrUnauthenticated).
func (s *Store) Authenticate(ctx context.Context, plaintext string) (Principal, error) {
	if err := ctx.Err(); err != nil {
		return Principal{}, err
	}
	t, err := s.lookupToken(ctx, plaintext)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Email: t.Email, Role: t.Role, TokenID: t.ID, Via: ViaToken}, nil
}

func (s *Store) lookupToken(ctx context.Context, plaintext string) (Token, error) {
	h := hashSecret(strings.TrimSpace(plaintext))
	t, found, err := s.st.TokenByHash(ctx, h)
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	// The index is keyed by the hash, so the lookup reveals nothing of the
	// token; the comparison below keeps the final check constant-time too.
	if !found || subtle.ConstantTimeCompare(t.Hash, h) != 1 {
		return Token{}, &CredentialError{What: "token", Reason: ReasonUnknown}
	}
	now := s.now()
	switch {
	case !t.Revoked.IsZero():
		return Token{}, &CredentialError{What: "token", ID: t.ID, Reason: ReasonRevoked}
	case t.Expired(now):
		return Token{}, &CredentialError{What: "token", ID: t.ID, Reason: ReasonExpired}
	}
	return t.Token, nil
}

// Revoke stops a token working at once. Revoking twice is not an error;
// an unknown id is ErrNotFound.
func (s *Store) Revoke(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ok, err := s.st.RevokeToken(ctx, id, storedTime(s.now()))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if !ok {
		return fmt.Errorf("revoke token: token %q: %w", id, ErrNotFound)
	}
	s.log.Info("token revoked", "token_id", id)
	return nil
}

// Token returns one token by id, or ErrNotFound.
func (s *Store) Token(ctx context.Context, id string) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	t, ok, err := s.st.TokenByID(ctx, id)
	if err != nil {
		return Token{}, fmt.Errorf("read token %s: %w", id, err)
	}
	if !ok {
		return Token{}, fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	return t.Token, nil
}

// ListTokens returns every token, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	recs, err := s.st.Tokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]Token, len(recs))
	for i, r := range recs {
		out[i] = r.Token
	}
	slices.SortFunc(out, func(a, b Token) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
