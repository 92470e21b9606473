package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/rollcall-sync/rollcall/license"
)

// DefaultBatchSize is how many changes Apply writes per transaction unless
// told otherwise: large enough that a million-claim sync commits (and
// fsyncs) about a hundred times, small enough that a transaction's dirty
// pages stay a few megabytes.
const DefaultBatchSize = 10000

// Options tune a Store. The zero value is usable.
type Options struct {
	// Timeout bounds the wait for the file lock held by another process;
	// zero waits forever.
	Timeout time.Duration
	// BatchSize is the default changes per Apply transaction (10000).
	BatchSize int
	// Logger receives open, migration and apply logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock for expiry and default timestamps; nil is time.Now.
	Now func() time.Time
}

// Store is the bbolt license.Store. It is safe for concurrent use.
type Store struct {
	db    *bbolt.DB
	path  string
	batch int
	log   *slog.Logger
	now   func() time.Time
	cache licenseCache

	feedMu      sync.Mutex
	feedChanged chan struct{} // closed and replaced at each commit adding to the feed
}

var (
	_ license.Store  = (*Store)(nil)
	_ license.Outbox = (*Store)(nil)
)

// ErrSchemaTooNew: the file was written by a newer Rollcall.
var ErrSchemaTooNew = errors.New("database schema is newer than this program knows")

// Open opens or creates the store at path (file mode 0600) and brings its
// schema up to date.
func Open(path string, opts Options) (*Store, error) {
	return open(path, opts, migrations)
}

func open(path string, opts Options, migs []migration) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         opts.Timeout,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: initialMmapSize(path),
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: another process holds it (waited %s): %w", path, opts.Timeout, err)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, batch: opts.BatchSize, log: opts.Logger, now: opts.Now}
	if s.batch <= 0 {
		s.batch = DefaultBatchSize
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cache.init()
	if err := s.migrate(migs); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// minMmapSize is the least address space Open maps for the file.
const minMmapSize = 256 << 20

// initialMmapSize is how much of the address space the file is mapped into
// from the start: room for it to double, and at least minMmapSize. bbolt
// maps the file anew whenever it outgrows the mapping, and a remap in the
// middle of a commit first copies every page the transaction has touched
// out of the old mapping: with a large atomic Apply, that was a third of
// its time. The mapping is address space, not memory; the file itself
// grows only as data is written.
func initialMmapSize(path string) int {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > math.MaxInt/4 {
		return minMmapSize
	}
	return max(minMmapSize, 2*int(fi.Size()))
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }

// Close closes the file. It waits for running transactions.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Backup writes a consistent copy of the whole file to w while readers
// and writers carry on, and returns the bytes written.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup of %s: %w", s.path, err)
	}
	return n, nil
}

// Check runs bbolt's consistency check over the whole file and returns
// every problem it finds, joined; nil when the file is sound.
func (s *Store) Check() error {
	var errs []error
	err := s.db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check %s: %w", s.path, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("check %s: %w", s.path, errors.Join(errs...))
	}
	return nil
}

func (s *Store) clock(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
	}
	return t.UTC().Round(0)
}

// licenseCache keeps decoded License records, and the domains/ index,
// for Entitlement, which must not decode JSON or walk a second index on
// every sign-in. Every license write drops what it changed after it
// commits and bumps gen; a reader only fills the cache when gen did not
// move while it read, so it never stores anything older than a commit it
// could have missed.
type licenseCache struct {
	mu      sync.RWMutex
	gen     uint64
	m       map[string]*license.License
	domains map[string]domainGrant // nil until read
}

// domainGrant is what domains/ says about one email domain.
type domainGrant struct {
	via string   // "domain:<domain>", made once
	ids []string // licenses deployed to it, sorted
}

func (c *licenseCache) init() { c.m = make(map[string]*license.License) }

func (c *licenseCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// lookup returns the cached record of id, or nil.
func (c *licenseCache) lookup(id []byte) *license.License {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[string(id)]
}

func (c *licenseCache) put(id string, l *license.License, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.m[id] = l
	}
}

// domainMap returns the cached domains/ index (read only), or nil.
func (c *licenseCache) domainMap() map[string]domainGrant {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.domains
}

func (c *licenseCache) putDomains(dm map[string]domainGrant, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.domains = dm
	}
}

// drop forgets the records of ids and the domains index, which any
// license write may have changed.
func (c *licenseCache) drop(ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.domains = nil
	for _, id := range ids {
		delete(c.m, id)
	}
}

// dropRecord forgets the record of id only: for writes, such as Apply's,
// that change a license's seat count but never its domains.
func (c *licenseCache) dropRecord(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}
