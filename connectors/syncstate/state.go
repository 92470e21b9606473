package syncstate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Defaults of Options.
const (
	DefaultHistoryLimit = 200
	DefaultTimeout      = 5 * time.Second
)

// Options tune a State. The zero value is usable.
type Options struct {
	// HistoryLimit is how many runs are kept per deployment (and how many
	// decided plans); 0 means DefaultHistoryLimit.
	HistoryLimit int
	// Timeout bounds the wait for the file lock another process holds;
	// 0 means DefaultTimeout, negative waits forever.
	Timeout time.Duration
	// Now stamps plans created or decided without a time; nil: time.Now.
	Now func() time.Time
}

// State is an open sync state file. It is safe for concurrent use.
type State struct {
	db    *bolt.DB
	path  string
	limit int
	now   func() time.Time
}

// Open opens or creates the sync state file at path (mode 0600) and brings
// its schema up to date.
func Open(path string, opts Options) (*State, error) {
	if opts.HistoryLimit < 0 {
		return nil, fmt.Errorf("sync state %s: history limit %d: must not be negative", path, opts.HistoryLimit)
	}
	if opts.HistoryLimit == 0 {
		opts.HistoryLimit = DefaultHistoryLimit
	}
	switch {
	case opts.Timeout == 0:
		opts.Timeout = DefaultTimeout
	case opts.Timeout < 0:
		opts.Timeout = 0 // bbolt: wait forever
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open sync state %s: locked by another process: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open sync state %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, path) }); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &State{db: db, path: path, limit: opts.HistoryLimit, now: opts.Now}, nil
}

// Path is the file the state lives in.
func (s *State) Path() string { return s.path }

// Close releases the file.
func (s *State) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close sync state %s: %w", s.path, err)
	}
	return nil
}

// Backup writes a consistent copy of the whole file to w, taken in one read
// transaction while writers go on, and returns the bytes written.
func (s *State) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up sync state %s: %w", s.path, err)
	}
	return n, nil
}

// Check runs bbolt's consistency check over the whole file and returns every
// problem it finds, joined; nil means the file is sound.
func (s *State) Check() error {
	var errs []error
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("check sync state %s: %w", s.path, errors.Join(errs...))
	}
	return nil
}

// update runs fn in a write transaction unless ctx is already done: bbolt
// transactions cannot be interrupted, so the context is honoured at the start.
func (s *State) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(fn)
}

func (s *State) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}
