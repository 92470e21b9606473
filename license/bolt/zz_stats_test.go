package bolt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

func TestZZStats(t *testing.T) {
	if os.Getenv("ZZSTATS") == "" {
		t.Skip()
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateLicense(ctx, license.License{ID: "district", Name: "D", Type: license.TypeDistrict, Seats: benchMembers}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, "district", benchRoster(benchMembers, 2), license.ApplyOptions{Actor: "bench"}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	fmt.Printf("file %d MB\n", fi.Size()>>20)
	_ = s.db.View(func(tx *bbolt.Tx) error {
		fmt.Printf("free pages %d (%d MB) pending %d\n", s.db.Stats().FreePageN, s.db.Stats().FreePageN*4096>>20, s.db.Stats().PendingPageN)
		lb, _ := licenseBucket(tx, "district")
		for _, n := range licenseBuckets {
			st := lb.Bucket(n).Stats()
			fmt.Printf("%-14s keys %8d leaf pages %7d (%4d MB) inuse %4d MB branch %d\n", n, st.KeyN, st.LeafPageN+st.LeafOverflowN, (st.LeafPageN+st.LeafOverflowN)*4096>>20, st.LeafInuse>>20, st.BranchPageN)
		}
		st := tx.Bucket(bucketEmails).Stats()
		fmt.Printf("%-14s keys %8d leaf pages %7d (%4d MB) inuse %4d MB\n", "emails", st.KeyN, st.LeafPageN, st.LeafPageN*4096>>20, st.LeafInuse>>20)
		return nil
	})
}
