package auth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The bucket tree of auth.db. Secrets are never stored: tokens, session
// cookies and OIDC login states are keyed by their SHA-256.
//
//	meta/
//	    version                  → schema version, uint64 big-endian
//	tokens/
//	    <token id>               → Token, JSON
//	token_hashes/
//	    sha256(token)            → token id
//	sessions/
//	    sha256(cookie value)     → session, JSON
//	oidc_logins/
//	    sha256(state)            → pending OIDC login, JSON
var (
	bucketMeta        = []byte("meta")
	keyVersion        = []byte("version")
	bucketTokens      = []byte("tokens")
	bucketTokenHashes = []byte("token_hashes")
	bucketSessions    = []byte("sessions")
	bucketOIDCLogins  = []byte("oidc_logins")
)

// schemaVersion is the layout this code reads and writes.
const schemaVersion = 1

// Options configures a Store.
type Options struct {
	// Timeout bounds the wait for the file lock; zero waits forever.
	Timeout time.Duration
	// Logger receives token and session events (ids and emails, never
	// secrets); nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Store keeps API tokens, sessions and pending OIDC logins. It is safe for
// concurrent use.
type Store struct {
	db   *bbolt.DB
	path string
	log  *slog.Logger
	now  func() time.Time
}

// Open opens or creates the auth database at path (0600, its directory 0700).
func Open(path string, opts Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open auth store %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.Timeout})
	if err != nil {
		return nil, fmt.Errorf("open auth store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open auth store %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v != nil {
			if len(v) != 8 {
				return errors.New("schema version is corrupt")
			}
			if got := binary.BigEndian.Uint64(v); got > schemaVersion {
				return fmt.Errorf("schema version %d is newer than this rollcall understands (%d): upgrade rollcall", got, schemaVersion)
			}
		}
		for _, b := range [][]byte{bucketTokens, bucketTokenHashes, bucketSessions, bucketOIDCLogins} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return meta.Put(keyVersion, binary.BigEndian.AppendUint64(nil, schemaVersion))
	})
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }
