package license

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"
)

// Key is what the store keeps of a license key: its SHA-256 and a short
// prefix to show admins which key is current. The key itself is 128 random
// bits, so a plain hash is enough to stop a stolen database from yielding
// usable keys; a slow password hash would only slow redemption.
type Key struct {
	Hash    []byte    `json:"hash,omitempty"`
	Prefix  string    `json:"prefix,omitempty"`
	Rotated time.Time `json:"rotated,omitzero"`
}

const keyPrefixLen = 4

// NewKey makes a fresh license key. The plaintext is returned once, to be
// shown to the admin; only the Key is stored.
func NewKey(now time.Time) (plaintext string, k Key) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	raw := strings.ToUpper(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	// Groups of five are easier to read out to a class.
	var sb strings.Builder
	sb.WriteString("RC")
	for i := 0; i < len(raw); i += 5 {
		sb.WriteByte('-')
		sb.WriteString(raw[i:min(i+5, len(raw))])
	}
	plaintext = sb.String()
	return plaintext, Key{Hash: HashKey(plaintext), Prefix: plaintext[:len("RC-")+keyPrefixLen], Rotated: now}
}

// HashKey hashes a key as typed: case, spaces and dashes do not matter.
func HashKey(plaintext string) []byte {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, strings.TrimSpace(plaintext))
	sum := sha256.Sum256([]byte(norm))
	return sum[:]
}

// Matches reports whether plaintext is this key, in constant time.
func (k Key) Matches(plaintext string) bool {
	return len(k.Hash) > 0 && subtle.ConstantTimeCompare(k.Hash, HashKey(plaintext)) == 1
}
