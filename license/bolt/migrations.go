package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
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
	{version: 2, name: "store claims in the source index", fn: fillSourceIndex},
	{version: 3, name: "change feed and webhook outbox", fn: func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketFeed, bucketWebhooks, bucketDeadLetters} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return nil
	}},
	// Schema 4 writes, from here on, the member.added event's seq in the
	// member record instead of member_events, and a batch's audit events
	// as packs (codec.go). Every reader understands both layouts, so the
	// records already written stay as they are: a file of a million
	// members opens without a rewrite. The version keeps older programs,
	// which would miss those events, from opening the file.
	{version: 4, name: "member.added in the member record, audit events in packs", fn: func(*bbolt.Tx) error { return nil }},
}

// fillSourceIndex gives every by_source entry, empty until schema 2, its
// value: the member's claim from that source and whether it is the only
// one (encodeSourceClaim). An entry whose member or claim is missing
// means the index was already wrong; the migration refuses rather than
// carry that on.
func fillSourceIndex(tx *bbolt.Tx) error {
	licenses := tx.Bucket(bucketLicenses)
	return licenses.ForEachBucket(func(id []byte) error {
		lb := licenses.Bucket(id)
		members, idx := lb.Bucket(bucketMembers), lb.Bucket(bucketBySource)
		if members == nil || idx == nil {
			return fmt.Errorf("license %s: missing members or by_source bucket: %w", id, errCorrupt)
		}
		// Collect first: bbolt cursors do not survive writes to their
		// bucket. The keys come out sorted, so the writes go in key order.
		type entry struct{ k, v []byte }
		var entries []entry
		err := idx.ForEach(func(k, _ []byte) error {
			i := bytes.IndexByte(k, sep)
			if i < 0 {
				return fmt.Errorf("license %s: source index key %q has no separator: %w", id, k, errCorrupt)
			}
			source, email := license.Source(k[:i]), string(k[i+1:])
			v := members.Get(k[i+1:])
			if v == nil {
				return fmt.Errorf("license %s: source index names %s, who is not a member: %w", id, email, errCorrupt)
			}
			m, err := decodeMember(email, v)
			if err != nil {
				return fmt.Errorf("license %s: %w", id, err)
			}
			c := m.Claim(source)
			if c == nil {
				return fmt.Errorf("license %s: source index names %s, who has no claim of %s: %w", id, email, source, errCorrupt)
			}
			entries = append(entries, entry{bytes.Clone(k), encodeSourceClaim(nil, c, len(m.Claims) == 1)})
			return nil
		})
		if err != nil {
			return err
		}
		idx.FillPercent = 0.9
		for _, e := range entries {
			if err := idx.Put(e.k, e.v); err != nil {
				return fmt.Errorf("license %s: source index key %q: %w", id, e.k, err)
			}
		}
		return nil
	})
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
