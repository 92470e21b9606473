package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// TestSyncSurvivesSIGKILL kills `rollcall sync` at random points of a large
// sync, several times, as bbolt and etcd test themselves: after each kill
// both bbolt files pass bbolt's consistency check and the seat count agrees
// with the members stored; syncing again converges; a further dry run plans
// nothing; and the manual claims made before are all still there.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("a large sync, killed several times")
	}
	const people, batch = 60000, 200
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "big", "--name", "Big", "--type", "district", "--seats", "100000")
	manual := []string{"p000007@big.example.org", "p031337@big.example.org", "outsider@elsewhere.example.org"}
	e.ok("", append([]string{"members", "add", "--license", "big"}, manual...)...)
	roster := filepath.Join(t.TempDir(), "people.csv")
	writeRoster := func(from int) {
		var b strings.Builder
		b.WriteString("email,name,org_unit\n")
		for i := from; i < from+people; i++ {
			fmt.Fprintf(&b, "p%06d@big.example.org,Person %d,/Students\n", i, i)
		}
		if err := os.WriteFile(roster, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeRoster(0)
	cfg := e.write("rollcall.yaml", fmt.Sprintf(`sync: {batch_size: %d}
connectors:
  - name: roster
    type: static
    settings: {path: %q}
deployments:
  - name: all
    connector: roster
    license: big
    deletion_limit: {percent: 100, min: 0}
`, batch, roster))

	// A binary with crash points, to die at exact places of a sync.
	crashBin := filepath.Join(t.TempDir(), "rollcall-failpoints")
	if out, err := exec.Command("go", "build", "-tags", "failpoints", "-o", crashBin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build with failpoints: %v\n%s", err, out)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	batches := people / batch
	for round := range 4 {
		if round == 2 {
			writeRoster(people / 3) // a third leave, as many arrive: removals and adds both get cut
		}
		cmd := exec.Command(crashBin, "--data-dir", e.dataDir, "sync", "all", "--config", cfg)
		env := append(os.Environ(), "ROLLCALL_DATA_DIR=")
		var point string
		if round%2 == 0 {
			// An exact point: right after batch k of this run commits.
			point = fmt.Sprintf("after-batch:%d", 1+rng.IntN(batches/2))
			env = append(env, "ROLLCALL_FAILPOINT="+point)
		}
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		if point != "" {
			err = <-done
		} else {
			// A random point, wherever the process is (perhaps inside a commit).
			select {
			case err = <-done:
			case <-time.After(time.Duration(50+rng.IntN(400)) * time.Millisecond):
				_ = cmd.Process.Kill()
				err = <-done
			}
		}
		killed := false
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				killed = true
			}
		}
		if point != "" && !killed {
			t.Fatalf("round %d: the failpoint %s did not kill the sync (%v)", round, point, err)
		}
		t.Logf("round %d: killed %v (%s); %d members in the store", round, killed, point, checkFiles(t, e.dataDir))
	}

	// Converge: sync until a run succeeds, then nothing is left to do.
	e.ok("", "sync", "all", "--config", cfg)
	dry := e.ok("", "--json", "sync", "all", "--config", cfg, "--dry-run")
	if !strings.Contains(dry.stdout, `"adds": 0`) || !strings.Contains(dry.stdout, `"removes": 0`) || !strings.Contains(dry.stdout, `"updates": 0`) {
		t.Fatalf("after converging, a dry run still plans changes:\n%s", dry.stdout[:min(len(dry.stdout), 600)])
	}
	var l struct{ Used int }
	e.jsonOK(&l, "", "license", "show", "big")
	// The roster (people), plus the manual outsider, plus p000007 whom only
	// the manual claim keeps after the roster moved on.
	if l.Used != people+2 {
		t.Fatalf("members after converging = %d, want %d", l.Used, people+2)
	}
	for _, m := range manual {
		var page struct {
			Members []struct {
				Claims []struct{ Source string } `json:"claims"`
			} `json:"members"`
		}
		e.jsonOK(&page, "", "members", "list", "--license", "big", "--filter", "email is "+m)
		if len(page.Members) != 1 || !strings.Contains(fmt.Sprint(page.Members[0].Claims), "manual") {
			t.Fatalf("the manual claim on %s was lost: %+v", m, page)
		}
	}
}

// checkFiles runs bbolt's consistency check on both files of dir (what
// is left after a kill, or a backup) and checks license "big"'s seat count
// against the members stored, which it returns.
func checkFiles(t *testing.T, dir string) int {
	t.Helper()
	s, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("license store in %s fails bbolt's check: %v", dir, err)
	}
	l, err := s.GetLicense(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	opts := license.ListOptions{Limit: 1000}
	for {
		p, err := s.ListMembers(context.Background(), "big", opts)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Members)
		if p.Next == "" {
			break
		}
		opts.Cursor = p.Next
	}
	if n != l.Used {
		t.Fatalf("the store in %s is inconsistent: the license says %d used but %d members are stored", dir, l.Used, n)
	}
	st, err := syncstate.Open(filepath.Join(dir, "syncstate.db"), syncstate.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatalf("sync state in %s fails bbolt's check: %v", dir, err)
	}
	return n
}
