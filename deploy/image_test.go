package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStaticBinaryRunsAsNonRoot checks what the container image relies on
// and what can be checked without a Docker engine: the Dockerfile's build
// (CGO_ENABLED=0, -trimpath) yields a static binary, which runs as the
// image's non-root user (65532) from an empty directory and creates its
// state files 0600.
func TestStaticBinaryRunsAsNonRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "rollcall")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "../cmd/rollcall")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("static build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary asks for a dynamic loader: it would not run on a distroless static image")
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("running as another user needs root")
	}
	work := filepath.Join(dir, "empty")
	if err := os.Mkdir(work, 0o777); err != nil {
		t.Fatal(err)
	}
	// t.TempDir's folders are 0700 root's; the image user must reach the binary.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(work, 0o777); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(work, "state")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = []string{"HOME=/nonexistent"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("rollcall %s as uid 65532: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("--data-dir", state, "license", "create", "--name", "Image test", "--type", "school", "--seats", "5")
	out := run("--data-dir", state, "license", "list")
	if !strings.Contains(out, "Image test") {
		t.Fatalf("license list:\n%s", out)
	}
	fi, err := os.Stat(filepath.Join(state, "rollcall.db"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("rollcall.db mode %v, want 0600", fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Uid != 65532 {
		t.Fatalf("rollcall.db owned by %v, want uid 65532", fi.Sys())
	}
	di, err := os.Stat(state)
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v (%v), want 0700", di.Mode().Perm(), err)
	}
}
