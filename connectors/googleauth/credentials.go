package googleauth

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// resettableSource caches tokens like oauth2.ReuseTokenSource and can drop
// the cached one when the API says it is no longer valid.
type resettableSource struct {
	mu    sync.Mutex
	build func() (oauth2.TokenSource, error)
	cur   oauth2.TokenSource
	gen   uint64 // counts resets, so that concurrent 401s reset once
}

func (r *resettableSource) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	if r.cur == nil {
		ts, err := r.build()
		if err != nil {
			r.mu.Unlock()
			return nil, err
		}
		r.cur = ts
	}
	ts := r.cur
	r.mu.Unlock()
	return ts.Token()
}

// generation identifies the cached token source; pass it to reset.
func (r *resettableSource) generation() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen
}

// reset forgets the cached token, unless it was already replaced since
// gen: requests in flight together that all meet a 401 then fetch one
// new token, not one each. The next call fetches a new one.
func (r *resettableSource) reset(gen uint64) {
	r.mu.Lock()
	if r.gen == gen {
		r.cur = nil
		r.gen++
	}
	r.mu.Unlock()
}

// newTokenSource builds the delegated token source. ctx carries the HTTP
// client for token requests and lives as long as the connector.
func newTokenSource(ctx context.Context, c *Config) (*resettableSource, error) {
	if c.UseApplicationDefault {
		params := google.CredentialsParams{Scopes: c.Scopes, Subject: c.Subject, TokenURL: c.TokenURL}
		return &resettableSource{build: func() (oauth2.TokenSource, error) {
			creds, err := google.FindDefaultCredentialsWithParams(ctx, params)
			if err != nil {
				return nil, fmt.Errorf("application default credentials: %w", err)
			}
			if len(creds.JSON) == 0 {
				// Metadata-server credentials cannot carry a subject:
				// the token would act as the service account itself,
				// which Google's admin APIs refuse.
				return nil, errors.New("application default credentials come from the metadata server, which cannot impersonate subject; use a key file or GOOGLE_APPLICATION_CREDENTIALS")
			}
			return creds.TokenSource, nil
		}}, nil
	}
	path := Resolve(c.BaseDir, c.CredentialsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("settings.credentials_file: %w", err)
	}
	cfg, err := google.JWTConfigFromJSON(data, c.Scopes...)
	if err != nil {
		// The library's messages name fields, never key material.
		return nil, fmt.Errorf("settings.credentials_file %s: not a service account key: %w", path, err)
	}
	if cfg.Email == "" {
		return nil, fmt.Errorf("settings.credentials_file %s: client_email is missing", path)
	}
	if err := checkPrivateKey(cfg.PrivateKey); err != nil {
		return nil, fmt.Errorf("settings.credentials_file %s: private_key: %w", path, err)
	}
	cfg.Subject = c.Subject
	if c.TokenURL != "" {
		cfg.TokenURL = c.TokenURL
	}
	return &resettableSource{build: func() (oauth2.TokenSource, error) {
		return cfg.TokenSource(ctx), nil
	}}, nil
}

// checkPrivateKey fails early, at Open, on a key the JWT flow could not
// sign with. Its errors never quote the key.
func checkPrivateKey(b []byte) error {
	block, _ := pem.Decode(b)
	if block == nil {
		return errors.New("is not PEM encoded")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	return errors.New("is not an RSA private key in PKCS#8 or PKCS#1 form")
}

// tokenRefusal reads Google's token endpoint error body.
func tokenRefusal(body []byte) (code, desc string) {
	var v struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	return v.Error, v.Description
}

// Resolve makes a relative settings path relative to baseDir (the config
// file's folder).
func Resolve(baseDir, p string) string {
	if p == "" || filepath.IsAbs(p) || baseDir == "" {
		return p
	}
	return filepath.Join(baseDir, p)
}
