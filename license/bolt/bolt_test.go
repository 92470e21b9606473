package bolt

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/storetest"
)

func openTest(t *testing.T, dir string) license.Store {
	t.Helper()
	s, err := Open(filepath.Join(dir, "rollcall.db"), Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, openTest)
}

// The same suite with one change per transaction, so every batching path
// is exercised by every rule.
func TestConformanceSmallBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T, dir string) license.Store {
		s, err := Open(filepath.Join(dir, "rollcall.db"), Options{BatchSize: 1})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "rollcall.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Fatalf("Path() = %q, want %q", s.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm()&0o077 != 0 {
		t.Fatalf("created directory mode %v is open to others", di.Mode().Perm())
	}
}

func setVersion(t *testing.T, path string, v uint64) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keyVersion, u64(v))
	}); err != nil {
		t.Fatal(err)
	}
}

func readVersion(t *testing.T, s *Store) uint64 {
	t.Helper()
	var v uint64
	if err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		v, err = schemaVersion(tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rollcall.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	latest := readVersion(t, s)
	if latest != migrations[len(migrations)-1].version {
		t.Fatalf("new file at version %d, want %d", latest, migrations[len(migrations)-1].version)
	}
	s.Close()
	setVersion(t, path, latest+1)
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the file", err)
	}
	// The refusal left the file as it was.
	setVersion(t, path, latest)
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen at the known version: %v", err)
	}
	s.Close()
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rollcall.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateLicense(ctx, license.License{ID: "l1", Name: "L", Type: license.TypePro, Seats: 3}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Test migrations come after the shipped ones.
	base := migrations[len(migrations)-1].version
	runs := 0
	v2 := migration{version: base + 1, name: "test: mark licenses", fn: func(tx *bbolt.Tx) error {
		runs++
		return tx.Bucket(bucketLicenses).ForEachBucket(func(k []byte) error {
			return tx.Bucket(bucketLicenses).Bucket(k).Put([]byte("migrated"), []byte("yes"))
		})
	}}
	boom := errors.New("boom")
	failing := migration{version: base + 2, name: "test: fails", fn: func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put([]byte("half"), []byte("done")); err != nil {
			return err
		}
		return boom
	}}

	tests := []struct {
		name      string
		migs      []migration
		wantErr   error
		wantVer   uint64
		wantRuns  int
		wantMark  bool
		wantTrace bool // the failing migration's half write
	}{
		{"failing migration changes nothing", append(append([]migration{}, migrations...), v2, failing), boom, base, 1, false, false},
		{"v2 runs once", append(append([]migration{}, migrations...), v2), nil, base + 1, 2, true, false},
		{"up to date runs nothing", append(append([]migration{}, migrations...), v2), nil, base + 1, 2, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := open(path, Options{}, tt.migs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("open: %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				defer s.Close()
			} else {
				s, err = open(path, Options{}, migrations)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
			}
			if runs != tt.wantRuns {
				t.Fatalf("v2 ran %d times, want %d", runs, tt.wantRuns)
			}
			if v := readVersion(t, s); v != tt.wantVer {
				t.Fatalf("version %d, want %d", v, tt.wantVer)
			}
			_ = s.db.View(func(tx *bbolt.Tx) error {
				mark := tx.Bucket(bucketLicenses).Bucket([]byte("l1")).Get([]byte("migrated"))
				if (mark != nil) != tt.wantMark {
					t.Fatalf("migration mark present = %v, want %v", mark != nil, tt.wantMark)
				}
				if half := tx.Bucket(bucketMeta).Get([]byte("half")); (half != nil) != tt.wantTrace {
					t.Fatal("a failed migration left a half write")
				}
				return nil
			})
			if l, err := s.GetLicense(context.Background(), "l1"); err != nil || l.Seats != 3 {
				t.Fatalf("license after migration: %+v, %v", l, err)
			}
		})
	}
}

func TestBackupAndCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "a.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateLicense(ctx, license.License{ID: "l1", Name: "L", Type: license.TypePro, Seats: 100}); err != nil {
		t.Fatal(err)
	}
	var changes []license.Change
	for i := range 50 {
		changes = append(changes, license.Change{Op: license.OpUpsert, Email: "u" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@x.org", Source: license.SourceManual})
	}
	if _, err := s.Apply(ctx, "l1", changes, license.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	var buf bytes.Buffer
	n, err := s.Backup(ctx, &buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup = %d, %v; wrote %d", n, err, buf.Len())
	}
	copyPath := filepath.Join(dir, "b.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(copyPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Check(); err != nil {
		t.Fatalf("Check of the backup: %v", err)
	}
	if l, err := c.GetLicense(ctx, "l1"); err != nil || l.Used != 50 {
		t.Fatalf("backup holds %+v, %v; want 50 members", l, err)
	}

	// Check reports damage: break a page of a copy and look.
	broken := bytes.Clone(buf.Bytes())
	pageSize := os.Getpagesize()
	for i := 4 * pageSize; i < len(broken) && i < 8*pageSize; i++ {
		broken[i] = 0xff
	}
	brokenPath := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(brokenPath, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := Open(brokenPath, Options{}); err == nil {
		if err := b.Check(); err == nil {
			t.Fatal("Check found nothing wrong with a file whose pages were overwritten")
		}
		b.Close()
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rollcall.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(path, Options{Timeout: 50 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Open of a locked file: %v, want an error naming it", err)
	}
}
