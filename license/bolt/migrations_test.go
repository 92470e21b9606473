package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// toSchema1 rewrites the file at path the way schema 1 laid it out: every
// by_source entry a bare key. extra runs in the same transaction.
func toSchema1(t *testing.T, path string, extra func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		licenses := tx.Bucket(bucketLicenses)
		if err := licenses.ForEachBucket(func(id []byte) error {
			idx := licenses.Bucket(id).Bucket(bucketBySource)
			var keys [][]byte
			if err := idx.ForEach(func(k, _ []byte) error { keys = append(keys, slices.Clone(k)); return nil }); err != nil {
				return err
			}
			for _, k := range keys {
				if err := idx.Put(k, nil); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// claimLists renders what Claims and SourceClaims give for src, one line
// per claim, for comparison.
func claimLists(t *testing.T, s *Store, id string, src license.Source) (fromClaims, fromSource []string) {
	t.Helper()
	ctx := context.Background()
	if err := s.Claims(ctx, id, src, func(m *license.Member) error {
		fromClaims = append(fromClaims, fmt.Sprintf("%s %+v sole=%v", m.Email, *m.Claim(src), len(m.Claims) == 1))
		return nil
	}); err != nil {
		t.Fatalf("Claims(%s, %s): %v", id, src, err)
	}
	if err := s.SourceClaims(ctx, id, src, func(email string, c *license.Claim, sole bool) error {
		fromSource = append(fromSource, fmt.Sprintf("%s %+v sole=%v", email, *c, sole))
		return nil
	}); err != nil {
		t.Fatalf("SourceClaims(%s, %s): %v", id, src, err)
	}
	return fromClaims, fromSource
}

// TestMigrateSourceIndex opens files written in the schema 1 layout
// (by_source keys without values) and checks that migration 2 fills every
// value from the members, or refuses an index that names a non-member
// and leaves the file as it was.
func TestMigrateSourceIndex(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	dir, canvas := license.Source("sync/dir"), license.Source("canvas/c1")
	sources := []license.Source{dir, canvas, license.SourceManual, license.CSVSource("u1")}
	populate := func(t *testing.T, s *Store) {
		t.Helper()
		for _, id := range []string{"a", "b"} {
			if _, err := s.CreateLicense(ctx, license.License{ID: id, Name: id, Type: license.TypeSchool, Seats: 100}); err != nil {
				t.Fatal(err)
			}
			var changes []license.Change
			for i := range 30 {
				email := fmt.Sprintf("p%02d-%s@x.org", i, id)
				for j, src := range sources {
					if i%(j+1) == 0 {
						changes = append(changes, license.Change{Op: license.OpUpsert, Email: email, Source: src, Name: fmt.Sprintf("P %d", i),
							Role: license.Roles[i%len(license.Roles)], OrgUnit: "/ou" + src.Kind(), ExternalID: fmt.Sprint(i * (j + 1)),
							Attrs: map[string]string{"grade": fmt.Sprint(i % 5), "src": string(src)}})
					}
				}
			}
			// Later: some claims removed (members left sole or gone) and
			// some updated.
			if _, err := s.Apply(ctx, id, changes, license.ApplyOptions{Now: t0}); err != nil {
				t.Fatal(err)
			}
			later := []license.Change{
				{Op: license.OpRemove, Email: "p00-" + id + "@x.org", Source: canvas},
				{Op: license.OpRemove, Email: "p02-" + id + "@x.org", Source: dir},
				{Op: license.OpRemove, Email: "p03-" + id + "@x.org", Source: dir},
				{Op: license.OpUpsert, Email: "p04-" + id + "@x.org", Source: dir, Name: "Renamed"},
			}
			if _, err := s.Apply(ctx, id, later, license.ApplyOptions{Now: t0.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ghost := func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLicenses).Bucket([]byte("b")).Bucket(bucketBySource).Put(pair(string(dir), "ghost@x.org"), nil)
	}
	tests := []struct {
		name    string
		extra   func(tx *bbolt.Tx) error
		wantErr error
	}{
		{"fills every value", nil, nil},
		{"refuses an entry naming a non-member", ghost, errCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rollcall.db")
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			populate(t, s)
			want := map[string][]string{}
			for _, id := range []string{"a", "b"} {
				for _, src := range sources {
					c, _ := claimLists(t, s, id, src)
					want[id+" "+string(src)] = c
				}
			}
			s.Close()
			toSchema1(t, path, tt.extra)

			s, err = Open(path, Options{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open of a schema 1 file: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				// Refused: still schema 1, values still empty.
				s, err = open(path, Options{}, migrations[:1])
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if v := readVersion(t, s); v != 1 {
					t.Fatalf("refused migration left version %d, want 1", v)
				}
				_ = s.db.View(func(tx *bbolt.Tx) error {
					return tx.Bucket(bucketLicenses).Bucket([]byte("a")).Bucket(bucketBySource).ForEach(func(k, v []byte) error {
						if len(v) != 0 {
							t.Fatalf("refused migration wrote %q = %x", k, v)
						}
						return nil
					})
				})
				return
			}
			defer s.Close()
			if v := readVersion(t, s); v != migrations[len(migrations)-1].version {
				t.Fatalf("version %d after migration, want %d", v, migrations[len(migrations)-1].version)
			}
			for _, id := range []string{"a", "b"} {
				wantKeys, gotKeys := indexKeys(t, s, id)
				if !slices.Equal(gotKeys["by_source"], wantKeys["by_source"]) {
					t.Errorf("license %s by_source holds %q, want %q", id, gotKeys["by_source"], wantKeys["by_source"])
				}
				for _, src := range sources {
					fromClaims, fromSource := claimLists(t, s, id, src)
					if !slices.Equal(fromClaims, want[id+" "+string(src)]) || !slices.Equal(fromSource, fromClaims) {
						t.Errorf("license %s source %s after migration:\nClaims       %q\nSourceClaims %q\nbefore       %q",
							id, src, fromClaims, fromSource, want[id+" "+string(src)])
					}
				}
			}
			if err := s.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSourceClaimsRuns lists enough claims to span many of SourceClaims'
// runs, and stops it, cancels it and feeds it a corrupt entry at points
// past the first run: every way out must return, with the right error,
// and leave the store usable.
func TestSourceClaimsRuns(t *testing.T) {
	ctx := context.Background()
	dir, other := license.Source("sync/dir"), license.Source("sync/other")
	path := filepath.Join(t.TempDir(), "rollcall.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 6000 // about 100 bytes an entry: ten runs
	if _, err := s.CreateLicense(ctx, license.License{ID: "l", Name: "L", Type: license.TypeSchool, Seats: n}); err != nil {
		t.Fatal(err)
	}
	var changes []license.Change
	for i := range n {
		email := fmt.Sprintf("person-%05d@school.example.org", i)
		changes = append(changes, license.Change{Op: license.OpUpsert, Email: email, Source: dir, Name: fmt.Sprintf("Person Number %d", i), OrgUnit: "/students/grade" + fmt.Sprint(i%12)})
		if i%3 == 0 {
			changes = append(changes, license.Change{Op: license.OpUpsert, Email: email, Source: other})
		}
	}
	if _, err := s.Apply(ctx, "l", changes, license.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	fromClaims, fromSource := claimLists(t, s, "l", dir)
	if len(fromClaims) != n || !slices.Equal(fromSource, fromClaims) {
		t.Fatalf("SourceClaims gave %d claims, Claims %d (want %d), or they differ", len(fromSource), len(fromClaims), n)
	}

	stop := errors.New("stop")
	cancelled, cancel := context.WithCancel(ctx)
	defer cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		stopAt  int // fn returns stop at this call; cancel at it for the cancelled case
		corrupt bool
		want    error
	}{
		{"fn stops in a later run", ctx, 4321, false, stop},
		{"cancelled in a later run", cancelled, 2500, false, context.Canceled},
		{"corrupt entry in a later run", ctx, -1, true, errCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := fmt.Sprintf("person-%05d@school.example.org", 3000)
			if tt.corrupt {
				if err := s.db.Update(func(tx *bbolt.Tx) error {
					return tx.Bucket(bucketLicenses).Bucket([]byte("l")).Bucket(bucketBySource).Put(pair(string(dir), bad), []byte{sourceClaimFormat, 0, 0xff})
				}); err != nil {
					t.Fatal(err)
				}
			}
			calls := 0
			err := s.SourceClaims(tt.ctx, "l", dir, func(email string, c *license.Claim, sole bool) error {
				calls++
				if calls == tt.stopAt {
					if tt.ctx == ctx {
						return stop
					}
					cancel()
				}
				return nil
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("SourceClaims: %v after %d calls, want %v", err, calls, tt.want)
			}
			switch {
			case tt.corrupt && calls != 3000:
				t.Fatalf("corrupt entry %s: fn called %d times, want 3000 (every entry before it)", bad, calls)
			case tt.want == stop && calls != tt.stopAt:
				t.Fatalf("fn called %d times after asking to stop at %d", calls, tt.stopAt)
			case tt.want == context.Canceled && (calls < tt.stopAt || calls >= n):
				t.Fatalf("cancelled at call %d: fn called %d times", tt.stopAt, calls)
			}
			// Every way out closed the read transaction.
			if open := s.db.Stats().OpenTxN; open != 0 {
				t.Fatalf("%d read transactions left open", open)
			}
		})
	}
}
