package auth_test

import (
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/auth/authtest"
)

// BenchmarkBolt: go test -run '^$' -bench 'Bolt' ./license/auth/
// Compare each figure with BenchmarkBoltFloor, one bare bbolt read.
func BenchmarkBolt(b *testing.B) {
	authtest.Benchmark(b, func(b *testing.B) auth.Storage {
		st, err := auth.OpenBolt(filepath.Join(b.TempDir(), "auth.db"), time.Second)
		if err != nil {
			b.Fatal(err)
		}
		return st
	})
}

// BenchmarkBoltFloor is the cheapest thing the bolt backend can do: one
// read transaction with one Get.
func BenchmarkBoltFloor(b *testing.B) {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "floor.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return bk.Put([]byte("k"), []byte("v"))
	}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = db.View(func(tx *bbolt.Tx) error {
			if tx.Bucket([]byte("b")).Get([]byte("k")) == nil {
				b.Fatal("missing")
			}
			return nil
		})
	}
}
