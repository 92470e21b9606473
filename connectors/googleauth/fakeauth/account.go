package fakeauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
)

// ServiceAccount is a service account with its RSA key. The key exists
// only in memory; the JSON key file is built on request.
type ServiceAccount struct {
	Email string
	KeyID string
	Key   *rsa.PrivateKey
}

// NewServiceAccount generates a 2048-bit RSA key for email and returns the
// account with its JSON key file, token_uri set to tokenURI. No issuer
// knows the account until it is registered.
func NewServiceAccount(email, tokenURI string) (*ServiceAccount, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("fakeauth: generate service account key: %w", err)
	}
	kid := make([]byte, 20)
	_, _ = rand.Read(kid)
	sa := &ServiceAccount{Email: email, KeyID: hex.EncodeToString(kid), Key: key}
	file, err := sa.KeyFile(tokenURI)
	return sa, file, err
}

// KeyFile returns the account's JSON key file in Google's format.
func (sa *ServiceAccount) KeyFile(tokenURI string) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(sa.Key)
	if err != nil {
		return nil, fmt.Errorf("fakeauth: encode service account key: %w", err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  "rollcall-fake",
		"private_key_id":              sa.KeyID,
		"private_key":                 string(pemKey),
		"client_email":                sa.Email,
		"client_id":                   "100000000000000000001",
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"universe_domain":             "googleapis.com",
	}, "", "  ")
}
