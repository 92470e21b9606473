package syncstate

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migration brings a file from version-1 to version. Migrations run in
// order, all in the transaction of Open, so a file is never left between
// two versions.
type migration struct {
	version uint64
	name    string
	apply   func(tx *bolt.Tx) error
}

// migrations is ordered by version, starting at 1; a new schema appends one.
var migrations = []migration{
	{1, "create the bucket tree", func(tx *bolt.Tx) error {
		for _, path := range [][][]byte{
			{bucketMeta}, {bucketRuns}, {bucketDeployments},
			{bucketPending, bucketPlans}, {bucketPending, bucketPlanIDs}, {bucketPending, bucketOpen},
		} {
			if _, err := createPath(tx, path); err != nil {
				return err
			}
		}
		return nil
	}},
	{2, "deployment health (quarantine) and calendar window marks", func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketQuarantine, bucketWindows} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("bucket %s: %w", b, err)
			}
		}
		return nil
	}},
}

// schemaVersion is the version this program writes.
func schemaVersion() uint64 { return migrations[len(migrations)-1].version }

// migrate reads the file's schema version and runs the migrations it lacks.
func migrate(tx *bolt.Tx, path string) error {
	var found uint64
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if v := meta.Get(keySchemaVersion); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("sync state %s: %s/%s is %d bytes, want 8", path, bucketMeta, keySchemaVersion, len(v))
			}
			found = binary.BigEndian.Uint64(v)
		}
	}
	if found > schemaVersion() {
		return &SchemaError{Path: path, Found: found, Supported: schemaVersion()}
	}
	for _, m := range migrations {
		if m.version <= found {
			continue
		}
		if err := m.apply(tx); err != nil {
			return fmt.Errorf("sync state %s: migration to version %d (%s): %w", path, m.version, m.name, err)
		}
		found = m.version
	}
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("sync state %s: %w", path, err)
	}
	return meta.Put(keySchemaVersion, u64(found))
}

func createPath(tx *bolt.Tx, path [][]byte) (*bolt.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists(path[0])
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", path[0], err)
	}
	for _, name := range path[1:] {
		if b, err = b.CreateBucketIfNotExists(name); err != nil {
			return nil, fmt.Errorf("bucket %s: %w", name, err)
		}
	}
	return b, nil
}

func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}
