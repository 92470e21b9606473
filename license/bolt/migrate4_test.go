package bolt

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// schema3File writes the checked-in schema 3 fixture, written by the
// schema 3 code, to a fresh file and returns its path.
func schema3File(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rollcall.db")
	if err := os.WriteFile(path, readGzip(t, filepath.Join("testdata", "schema3.db.gz")), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bbolt.Tx) error {
		v, err := schemaVersion(tx)
		if err == nil && v != 3 {
			err = fmt.Errorf("fixture is schema %d, want 3", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return path
}

func schema3Reads(t *testing.T) []string {
	t.Helper()
	return strings.Split(strings.TrimSuffix(string(readGzip(t, filepath.Join("testdata", "schema3-reads.txt.gz"))), "\n"), "\n")
}

// sameReads fails the test at the first reads that differ.
func sameReads(t *testing.T, what string, got, want []string) {
	t.Helper()
	bad := 0
	for i := 0; i < max(len(got), len(want)); i++ {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s, read %d:\ngot  %s\nwant %s", what, i, g, w)
			if bad++; bad == 3 {
				break
			}
		}
	}
	if bad > 0 {
		t.FailNow()
	}
}

// layout counts, over every license, the member records that hold their
// member.added event, member_events entries, event packs and events.
type layout struct{ holding, indexed, packs, events int }

func storeLayout(t *testing.T, s *Store) layout {
	t.Helper()
	var l layout
	err := s.db.View(func(tx *bbolt.Tx) error {
		licenses := tx.Bucket(bucketLicenses)
		return licenses.ForEachBucket(func(id []byte) error {
			lb := licenses.Bucket(id)
			if err := lb.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
				seq, err := memberAddedSeq(string(k), v)
				if seq != 0 {
					l.holding++
				}
				return err
			}); err != nil {
				return err
			}
			l.indexed += lb.Bucket(bucketMemberEvents).Stats().KeyN
			if err := lb.Bucket(bucketEvents).ForEach(func(_, v []byte) error {
				if v[0] == eventPackFormat {
					l.packs++
				}
				return nil
			}); err != nil {
				return err
			}
			n, err := countEvents(lb)
			l.events += n
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// logCounter counts "migrated store" log records.
type logCounter struct {
	slog.Handler
	n *int
}

func (h logCounter) Enabled(context.Context, slog.Level) bool { return true }

func (h logCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "migrated store" {
		*h.n++
	}
	return nil
}

// TestMigrateSchema4 opens the schema 3 fixture, written by the schema 3
// code: it migrates once, and every read is what the schema 3 code read
// from it. A store written from scratch by the current code, in the new
// layout, reads the same too; and after the same further writes, the
// migrated file (now of both layouts) and the new one still read alike.
func TestMigrateSchema4(t *testing.T) {
	want := schema3Reads(t)
	path := schema3File(t)
	migrated := 0
	opts := Options{Now: func() time.Time { return fixtureT0.Add(10 * time.Hour) },
		Logger: slog.New(logCounter{slog.DiscardHandler, &migrated})}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("open the schema 3 fixture: %v", err)
	}
	if v := readVersion(t, s); v != 4 || migrated != 1 {
		t.Fatalf("after open: version %d, %d migrations run; want 4 and 1", v, migrated)
	}
	old := storeLayout(t, s)
	if old.holding != 0 || old.packs != 0 || old.indexed == 0 {
		t.Fatalf("the fixture is not in the schema 3 layout: %+v", old)
	}
	sameReads(t, "migrated schema 3 fixture", readFixture(t, s), want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if migrated != 1 {
		t.Fatalf("reopening migrated again: %d migrations run", migrated)
	}
	sameReads(t, "migrated schema 3 fixture, reopened", readFixture(t, s), want)

	fresh := openFixtureStore(t, filepath.Join(t.TempDir(), "fresh.db"))
	defer fresh.Close()
	populateFixture(t, fresh)
	now := storeLayout(t, fresh)
	// Every member.added event of a current member is in its record, and
	// the index holds one entry fewer for each.
	if now.holding == 0 || now.packs == 0 || now.events != old.events || now.indexed+now.holding != old.indexed {
		t.Fatalf("the current code's layout: %+v; schema 3's: %+v", now, old)
	}
	sameReads(t, "fixture written by the current code", readFixture(t, fresh), want)

	fixtureLater(t, s)
	fixtureLater(t, fresh)
	sameReads(t, "after more writes, migrated vs new", readFixture(t, s), readFixture(t, fresh))
	for _, st := range []*Store{s, fresh} {
		if err := st.Check(); err != nil {
			t.Fatal(err)
		}
	}
	if l := storeLayout(t, s); l.holding == 0 || l.events <= old.events {
		t.Fatalf("writes to the migrated file: %+v", l)
	}
}

// TestMigrateSchema4CrashHelper is the process TestMigrateSchema4Crash
// kills in the middle of migrating; it does nothing unless started by it.
func TestMigrateSchema4CrashHelper(t *testing.T) {
	path := os.Getenv("ROLLCALL_MIGRATE_CRASH_DB")
	if path == "" {
		t.Skip("run by TestMigrateSchema4Crash")
	}
	migs := append([]migration(nil), migrations...)
	last := migs[len(migs)-1]
	fn := last.fn
	last.fn = func(tx *bbolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		// Dirty some pages, as a migration that rewrote records would.
		if err := tx.Bucket(bucketLicenses).Bucket([]byte("district")).Put(keyRecord, []byte("half-migrated")); err != nil {
			return err
		}
		fmt.Println("migrating")
		time.Sleep(time.Minute) // killed here
		return nil
	}
	migs[len(migs)-1] = last
	if _, err := open(path, Options{}, migs); err != nil {
		t.Fatal(err)
	}
	t.Fatal("the migration was not killed")
}

// TestMigrateSchema4Crash kills a process while it migrates the schema 3
// fixture: the next open finds the file at schema 3, migrates it, and
// reads what the schema 3 code read.
func TestMigrateSchema4Crash(t *testing.T) {
	path := schema3File(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestMigrateSchema4CrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ROLLCALL_MIGRATE_CRASH_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "migrating" {
	}
	if sc.Text() != "migrating" {
		_ = cmd.Wait()
		t.Fatalf("helper never started migrating: %s", stderr.String())
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()

	s, err := open(path, Options{}, migrations[:3])
	if err != nil {
		t.Fatalf("open at schema 3 after the kill: %v", err)
	}
	if v := readVersion(t, s); v != 3 {
		t.Fatalf("after the kill: version %d, want 3", v)
	}
	s.Close()
	s = openFixtureStore(t, path)
	defer s.Close()
	if v := readVersion(t, s); v != 4 {
		t.Fatalf("after reopening: version %d, want 4", v)
	}
	sameReads(t, "fixture migrated after a crash", readFixture(t, s), schema3Reads(t))
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestEventsOfOneMember checks the member.added event a record holds
// against the index around it: a member's history, paged past each event,
// is the matching part of the whole trail, whatever Apply did to the member.
func TestEventsOfOneMember(t *testing.T) {
	ctx := context.Background()
	s := openFixtureStore(t, filepath.Join(t.TempDir(), "rollcall.db"))
	defer s.Close()
	populateFixture(t, s)
	fixtureLater(t, s)
	for _, id := range []string{"district", "school", "old"} {
		all, err := s.Events(ctx, id, license.EventQuery{})
		if err != nil {
			t.Fatal(err)
		}
		byEmail := map[string][]license.Event{}
		for i, ev := range all {
			if ev.Seq != uint64(i+1) {
				t.Fatalf("license %s: event %d has seq %d", id, i+1, ev.Seq)
			}
			if ev.Email != "" {
				byEmail[ev.Email] = append(byEmail[ev.Email], ev)
			}
		}
		for _, e := range fixtureEmails() {
			want := byEmail[e]
			for after := uint64(0); after <= uint64(len(all)); after++ {
				var tail []license.Event
				for _, ev := range want {
					if ev.Seq > after {
						tail = append(tail, ev)
					}
				}
				got, err := s.Events(ctx, id, license.EventQuery{Email: e, After: after})
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(tail) {
					t.Fatalf("license %s, events of %s after %d:\ngot  %v\nwant %v", id, e, after, got, tail)
				}
			}
		}
	}
}
