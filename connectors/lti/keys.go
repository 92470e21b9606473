package lti

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/go-jose/go-jose/v4"
)

// KeyBits is the size of keys GenerateKeyFile makes; 1EdTech's security
// framework asks for RSA keys of at least 2048 bits.
const KeyBits = 2048

// ErrKeyExists: GenerateKeyFile will not overwrite a key, as that would
// break every platform registered with the old one.
var ErrKeyExists = errors.New("key file already exists")

// Key is the tool's signing key and its JWK id.
type Key struct {
	Private *rsa.PrivateKey
	ID      string // kid: the RFC 7638 thumbprint of the public key
}

// GenerateKeyFile writes a new RSA key to path as PKCS#8 PEM, mode 0600,
// and refuses to replace an existing file.
func GenerateKeyFile(path string) (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s: %w (remove it first to make a new one, then re-register the tool's JWKS)", path, ErrKeyExists)
	}
	if err != nil {
		return nil, err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return newKey(priv)
}

// LoadKeyFile reads an RSA private key (PKCS#8 or PKCS#1 PEM).
func LoadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block (want an RSA private key, as `rollcall lti keygen` writes)", path)
	}
	var priv *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var ok bool
		if priv, ok = k.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("%s: the key is %T, want RSA (LTI signs with RS256)", path, k)
		}
	case "RSA PRIVATE KEY":
		if priv, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("%s: PEM block %q, want PRIVATE KEY", path, block.Type)
	}
	if priv.N.BitLen() < KeyBits {
		return nil, fmt.Errorf("%s: RSA key of %d bits, want at least %d", path, priv.N.BitLen(), KeyBits)
	}
	return newKey(priv)
}

func newKey(priv *rsa.PrivateKey) (*Key, error) {
	jwk := jose.JSONWebKey{Key: &priv.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return &Key{Private: priv, ID: base64.RawURLEncoding.EncodeToString(tp)}, nil
}

// Public is the key's public JWK, as the tool's JWKS serves it.
func (k *Key) Public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.Private.PublicKey, KeyID: k.ID, Algorithm: string(jose.RS256), Use: "sig"}
}
