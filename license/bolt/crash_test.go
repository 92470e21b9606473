package bolt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

const (
	crashMembers = 60000
	crashBatch   = 500
)

func crashChanges() []license.Change {
	changes := make([]license.Change, crashMembers)
	for i := range changes {
		changes[i] = license.Change{Op: license.OpUpsert, Email: fmt.Sprintf("s%06d@crash.org", i),
			Source: "sync/crash", Name: fmt.Sprintf("Student %d", i), OrgUnit: "/Students"}
	}
	return changes
}

// TestCrashHelper is the process TestCrash kills; it does nothing unless
// started by TestCrash.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv("ROLLCALL_CRASH_DB")
	if path == "" {
		t.Skip("run by TestCrash")
	}
	ctx := context.Background()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateLicense(ctx, license.License{ID: "crash", Name: "Crash", Type: license.TypeDistrict, Seats: crashMembers}); err != nil && !errors.Is(err, license.ErrExists) {
		t.Fatal(err)
	}
	fmt.Println("applying")
	_, err = s.Apply(ctx, "crash", crashChanges(), license.ApplyOptions{BatchSize: crashBatch, Actor: "crash"})
	fmt.Println("done", err)
}

// TestCrash kills a process in the middle of a large Apply, at a few
// different points, and checks what bbolt and the batch contract promise:
// the file passes tx.Check, every batch is in whole or not at all (members,
// indexes, events and the seat count agree), and applying again converges.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := range 3 {
		path := filepath.Join(t.TempDir(), "crash.db")
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ROLLCALL_CRASH_DB="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() && sc.Text() != "applying" {
		}
		// Kill somewhere in the middle; where exactly does not matter,
		// only that it varies.
		time.Sleep(time.Duration(20+rng.IntN(300)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("round %d: Check after kill: %v", round, err)
		}
		l, err := s.GetLicense(ctx, "crash")
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		checkConsistent(t, s, "crash", l.Used)
		if l.Used%crashBatch != 0 {
			t.Fatalf("round %d: %d members: a batch of %d was half applied", round, l.Used, crashBatch)
		}
		t.Logf("round %d: killed with %d of %d members applied", round, l.Used, crashMembers)

		r, err := s.Apply(ctx, "crash", crashChanges(), license.ApplyOptions{BatchSize: 5000})
		if err != nil {
			t.Fatal(err)
		}
		if r.MembersAdded != crashMembers-l.Used || r.Unchanged != l.Used {
			t.Fatalf("round %d: re-apply added %d, unchanged %d; want %d and %d", round, r.MembersAdded, r.Unchanged, crashMembers-l.Used, l.Used)
		}
		checkConsistent(t, s, "crash", crashMembers)
		s.Close()
	}
}

// checkConsistent checks that members, indexes, events and Used agree.
func checkConsistent(t *testing.T, s *Store, id string, want int) {
	t.Helper()
	ctx := context.Background()
	counts := map[string]int{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, id)
		if err != nil {
			return err
		}
		for _, name := range licenseBuckets {
			counts[string(name)] = lb.Bucket(name).Stats().KeyN
		}
		// Events are packed: count them, not their entries.
		n, err := countEvents(lb)
		counts["events"] = n
		if err != nil {
			return err
		}
		// Members hold their member.added event; the index takes it
		// back if the member goes.
		if err := lb.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			seq, err := memberAddedSeq(string(k), v)
			if seq != 0 {
				counts["members holding member.added"]++
			}
			return err
		}); err != nil {
			return err
		}
		c := tx.Bucket(bucketEmails).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			counts["emails"]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := s.GetLicense(ctx, id)
	for _, b := range []string{"members", "by_name", "by_added", "by_source", "emails"} {
		if counts[b] != want {
			t.Fatalf("%s has %d entries, want %d (Used %d): %v", b, counts[b], want, l.Used, counts)
		}
	}
	// One license.created event, then one member.added per member, each
	// in its member's record.
	if counts["events"] != want+1 || counts["members holding member.added"] != want || counts["member_events"] != 0 || l.Used != want {
		t.Fatalf("events %d, members holding member.added %d, member events %d, Used %d; want %d members: %v",
			counts["events"], counts["members holding member.added"], counts["member_events"], l.Used, want, counts)
	}
}

// countEvents counts the events of a license's trail, checking that their
// seqs run 1, 2, 3… with no gap or repeat.
func countEvents(lb *bbolt.Bucket) (int, error) {
	walk := eventWalk{c: lb.Bucket(bucketEvents).Cursor()}
	n := 0
	for seq, raw := walk.seek(1); raw != nil; seq, raw = walk.next() {
		if n++; seq != uint64(n) {
			return n, fmt.Errorf("event %d is seq %d: %w", n, seq, errCorrupt)
		}
	}
	return n, walk.err
}
