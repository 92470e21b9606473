package lti

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// assertionTTL is the client assertion's lifetime: short, as 1EdTech's
// security framework asks.
const assertionTTL = 5 * time.Minute

// clientAssertion signs the JWT the tool authenticates with at the
// platform's token endpoint (RFC 7523): RS256 with the tool's kid,
// iss = sub = client id, aud the token endpoint (or the audience the
// platform names), a short exp and a jti never used before.
func clientAssertion(key *Key, clientID, audience string, now time.Time) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.Private, KeyID: key.ID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	claims := jwt.Claims{
		Issuer:   clientID,
		Subject:  clientID,
		Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(assertionTTL)),
		ID:       hex.EncodeToString(jti[:]),
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign the client assertion: %w", err)
	}
	return tok, nil
}
