package main

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// TestBackupDuringSyncRestoresAndConverges starts `rollcall serve` on a
// roster large enough that its first sync takes many small batches, takes
// `rollcall backup` through the admin socket while that sync runs, checks
// the copy is consistent (bbolt's check passes, the seat count equals the
// members stored, and only whole batches are in it), then restores it into
// a fresh data directory, syncs there, and compares with the live store.
func TestBackupDuringSyncRestoresAndConverges(t *testing.T) {
	const people, batch = 100000, 200
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "big", "--name", "Big", "--type", "district", "--seats", "100000")
	var roster strings.Builder
	roster.WriteString("email,name,org_unit\n")
	for i := range people {
		fmt.Fprintf(&roster, "p%06d@big.example.org,Person %d,/Students\n", i, i)
	}
	rosterFile := e.write("people.csv", roster.String())
	cfg := e.write("rollcall.yaml", fmt.Sprintf(`sync: {batch_size: %d}
connectors:
  - name: roster
    type: static
    settings: {path: %q}
deployments:
  - name: all
    connector: roster
    license: big
`, batch, rosterFile))

	p := e.startProc("serve", "--config", cfg, "--listen", "127.0.0.1:0")
	p.waitLine(t, servingRe, 30*time.Second)

	// The catch-up sync starts at once: back up again and again until a
	// copy catches it part way through its batches.
	var backupDir string
	for i := 0; ; i++ {
		backupDir = filepath.Join(t.TempDir(), "backup")
		r := e.ok("", "backup", "--out", backupDir)
		if !strings.Contains(r.stdout, "from the running server") {
			t.Fatalf("backup did not go through the running server:\n%s", r)
		}
		used := checkBackup(t, backupDir, batch, people)
		if used > 0 && used < people {
			t.Logf("backup %d caught the sync with %d of %d members applied", i+1, used, people)
			break
		}
		if used == people {
			t.Fatalf("the sync finished before any of %d backups caught it part way", i+1)
		}
	}

	// Let the sync finish, then stop the server.
	waitForMembers(t, e, p, people)

	// Restore into a fresh data directory and sync there: it converges to
	// the same members as the live store.
	restored := newEnv(t)
	for _, f := range []string{"rollcall.db", "syncstate.db"} {
		b, err := os.ReadFile(filepath.Join(backupDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(restored.dataDir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	restored.ok("", "check")
	restored.ok("", "sync", "all", "--config", cfg)
	live := e.ok("", "members", "export", "--license", "big").stdout
	again := restored.ok("", "members", "export", "--license", "big").stdout
	if strings.Count(live, "\n") != people+1 || stripAdded(live) != stripAdded(again) {
		t.Fatalf("restored store differs from the live one after syncing (%d vs %d lines)", strings.Count(live, "\n"), strings.Count(again, "\n"))
	}
}

// checkBackup opens the copied files and returns the members in the copy.
func checkBackup(t *testing.T, dir string, batch, people int) int {
	t.Helper()
	n := checkFiles(t, dir)
	if n%batch != 0 && n != people {
		t.Fatalf("backup holds %d members: not a whole number of %d-change batches", n, batch)
	}
	return n
}

func waitForMembers(t *testing.T, e *env, p *proc, want int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(p.stderr.String(), "sync finished") {
		if time.Now().After(deadline) {
			t.Fatalf("the sync did not finish; stderr:\n%s", p.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop(t, 30*time.Second)
	var l struct{ Used int }
	e.jsonOK(&l, "", "license", "show", "big")
	if l.Used != want {
		t.Fatalf("live store has %d members, want %d", l.Used, want)
	}
}

// stripAdded drops the added column, which differs between the live sync
// and the restored one for members the backup did not yet hold.
func stripAdded(csv string) string {
	lines := strings.Split(csv, "\n")
	for i, l := range lines {
		if j := strings.LastIndexByte(l, ','); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}

// TestBackupTarStream checks `backup --out -`: a tar of the three files
// that open as consistent stores holding what was written, sign-in tokens
// included (auth.db was once left out).
func TestBackupTarStream(t *testing.T) {
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "t", "--name", "Tar", "--type", "school", "--seats", "9")
	e.ok("", "members", "add", "--license", "t", "a@t.example.org", "b@t.example.org")
	token := strings.TrimSpace(e.ok("", "token", "create", "--email", "op@t.example.org", "--role", "operator").stdout)
	r := e.ok("", "backup", "--out", "-")
	dir := t.TempDir()
	tr := tar.NewReader(strings.NewReader(r.stdout))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read the tar stream: %v", err)
		}
		names = append(names, h.Name)
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, h.Name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(names, ",") != "rollcall.db,syncstate.db,auth.db" {
		t.Fatalf("tar holds %v", names)
	}
	s, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if l, err := s.GetLicense(context.Background(), "t"); err != nil || l.Used != 2 {
		t.Fatalf("restored license = %+v, %v; want 2 used", l, err)
	}
	as, err := auth.Open(filepath.Join(dir, "auth.db"), auth.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer as.Close()
	if p, err := as.Authenticate(context.Background(), tokenOf(t, token)); err != nil || p.Email != "op@t.example.org" {
		t.Fatalf("the token does not sign in from the restored auth.db: %+v, %v", p, err)
	}
}

// tokenOf finds the token in "token create" output.
func tokenOf(t *testing.T, out string) string {
	t.Helper()
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "rcat_") {
			return f
		}
	}
	t.Fatalf("no token in %q", out)
	return ""
}
