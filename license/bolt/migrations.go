package bolt

import (
	"encoding/binary"
	"fmt"
	"log/slog"

	bbolt "go.etcd.io/bbolt"
)

// migration brings the file from version-1 to version. Migrations run in
// order, all in the one transaction that opens the file, so a failure
// leaves the file at the version it had.
type migration struct {
	version uint64
	name    string
	fn      func(tx *bbolt.Tx) error
}

// migrations is the schema history; append only, never edit a shipped one.
var migrations = []migration{
	{version: 1, name: "create top-level buckets", fn: func(tx *bbolt.Tx) error {
		for _, name := range topBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return nil
	}},
}

// schemaVersion reads meta/version; 0 for a new file.
func schemaVersion(tx *bbolt.Tx) (uint64, error) {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return 0, nil
	}
	v := b.Get(keyVersion)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("meta/version is %d bytes, want 8: %w", len(v), errCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

func (s *Store) migrate(migs []migration) error {
	latest := uint64(0)
	if len(migs) > 0 {
		latest = migs[len(migs)-1].version
	}
	// A read first, so an up-to-date file opens without a write.
	var current uint64
	if err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		current, err = schemaVersion(tx)
		return err
	}); err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("schema version %d, this program knows up to %d; use a newer rollcall: %w", current, latest, ErrSchemaTooNew)
	}
	if current == latest {
		return nil
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		current, err := schemaVersion(tx)
		if err != nil {
			return err
		}
		for _, m := range migs {
			if m.version <= current {
				continue
			}
			if err := m.fn(tx); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			s.log.Info("migrated store", slog.String("path", s.path), slog.Uint64("version", m.version), slog.String("migration", m.name))
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(keyVersion, u64(latest))
	})
}
