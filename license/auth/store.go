package auth

import (
	"log/slog"
	"time"
)

// Options configures a Store.
type Options struct {
	// Timeout bounds the wait for the file lock (bbolt) or for the first
	// connection (a database); zero waits forever.
	Timeout time.Duration
	// Logger receives token and session events (ids and emails, never
	// secrets); nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Store keeps API tokens, sessions and pending OIDC logins in a Storage,
// and holds the rules for them: validation, hashing, expiry, revocation.
// It is safe for concurrent use.
type Store struct {
	st   Storage
	path string
	log  *slog.Logger
	now  func() time.Time
}

// New makes a Store on st, which it closes on Close. Open is New on a
// bbolt file; package pgauth opens one on PostgreSQL.
func New(st Storage, opts Options) *Store {
	s := &Store{st: st, log: opts.Logger, now: opts.Now}
	if p, ok := st.(interface{ Path() string }); ok {
		s.path = p.Path()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Path is the database file, or "" when the storage is not a file.
func (s *Store) Path() string { return s.path }

// Close closes the storage.
func (s *Store) Close() error { return s.st.Close() }
