package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/bolt"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// binary is the rollcall executable built once for all tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rollcall-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "rollcall")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build rollcall:", err)
		return 1
	}
	return m.Run()
}

// env is one temporary Rollcall installation: its own data directory.
type env struct {
	t       *testing.T
	dataDir string
	start   time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, dataDir: t.TempDir(), start: time.Now().UTC()}
}

// result is one finished rollcall process.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("rollcall %s\nexit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs rollcall with stdin (may be empty) against the env's data dir.
func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	full := append([]string{"--data-dir", e.dataDir, "--actor", "cli:tester"}, args...)
	cmd := exec.Command(binary, full...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "ROLLCALL_DATA_DIR=") // the flag is what counts
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		e.t.Fatalf("run rollcall %v: %v", args, err)
	}
	return r
}

// ok runs rollcall and fails the test unless it exits 0.
func (e *env) ok(stdin string, args ...string) result {
	e.t.Helper()
	r := e.run(stdin, args...)
	if r.code != 0 {
		e.t.Fatalf("want exit 0:\n%s", r)
	}
	return r
}

// fail runs rollcall and fails the test unless it exits with code.
func (e *env) fail(code int, stdin string, args ...string) result {
	e.t.Helper()
	r := e.run(stdin, args...)
	if r.code != code {
		e.t.Fatalf("want exit %d:\n%s", code, r)
	}
	return r
}

// jsonOK runs a command with --json and decodes its stdout into v.
func (e *env) jsonOK(v any, stdin string, args ...string) {
	e.t.Helper()
	r := e.ok(stdin, append([]string{"--json"}, args...)...)
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(v); err != nil {
		e.t.Fatalf("decode JSON of rollcall %v: %v\n%s", args, err, r.stdout)
	}
}

// write creates a file in a temporary directory and returns its path.
func (e *env) write(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

var (
	rfc3339Re = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`)
	dateRe    = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	keyRe     = regexp.MustCompile(`RC(-[A-Z2-7]+)+`)
	uploadRe  = regexp.MustCompile(`csv:\d{8}-[a-z2-7]{5}`)
)

// normalize replaces what differs from run to run with placeholders of the
// same width, so table columns still line up: instants and dates taken
// during the test (dates the test chose stay), CSV upload ids and keys.
func (e *env) normalize(s string) string {
	end := time.Now().UTC().Add(time.Second)
	during := func(t time.Time) bool { return !t.Before(e.start.Truncate(time.Second)) && !t.After(end) }
	s = rfc3339Re.ReplaceAllStringFunc(s, func(m string) string {
		if t, err := time.Parse(time.RFC3339, m); err == nil && during(t) {
			return "0000-00-00T00:00:00Z"
		}
		return m
	})
	s = dateRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == e.start.Format(time.DateOnly) || m == end.Format(time.DateOnly) {
			return "0000-00-00"
		}
		return m
	})
	s = uploadRe.ReplaceAllString(s, "csv:00000000-xxxxx")
	return keyRe.ReplaceAllStringFunc(s, func(m string) string {
		return "RC" + strings.Map(func(r rune) rune {
			if r == '-' {
				return r
			}
			return 'K'
		}, m[2:])
	})
}

// golden compares got with testdata/name.golden, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func jsonUnmarshal(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode %q: %w", s, err)
	}
	return nil
}

// openTestStore opens the env's database from the test, taking its lock.
func openTestStore(t *testing.T, e *env) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(e.dataDir, "rollcall.db"), bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDataDirectoryDefaults(t *testing.T) {
	home, xdg, env := t.TempDir(), t.TempDir(), t.TempDir()
	tests := []struct {
		name string
		env  []string
		args []string
		want string // where the database must appear
	}{
		{"home", []string{"HOME=" + home, "XDG_DATA_HOME=", "ROLLCALL_DATA_DIR="}, nil, filepath.Join(home, ".local", "share", "rollcall", "rollcall.db")},
		{"xdg", []string{"HOME=" + home, "XDG_DATA_HOME=" + xdg, "ROLLCALL_DATA_DIR="}, nil, filepath.Join(xdg, "rollcall", "rollcall.db")},
		{"relative xdg ignored", []string{"HOME=" + home, "XDG_DATA_HOME=rel", "ROLLCALL_DATA_DIR="}, nil, filepath.Join(home, ".local", "share", "rollcall", "rollcall.db")},
		{"env", []string{"HOME=" + home, "XDG_DATA_HOME=" + xdg, "ROLLCALL_DATA_DIR=" + filepath.Join(env, "d")}, nil, filepath.Join(env, "d", "rollcall.db")},
		{"flag beats env", []string{"HOME=" + home, "ROLLCALL_DATA_DIR=" + env}, []string{"--data-dir", filepath.Join(env, "flag")}, filepath.Join(env, "flag", "rollcall.db")},
		{"db flag", []string{"HOME=" + home}, []string{"--db", filepath.Join(env, "x", "my.db")}, filepath.Join(env, "x", "my.db")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary, append(tc.args, "license", "list")...)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), tc.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			st, err := os.Stat(tc.want)
			if err != nil {
				t.Fatalf("no database where expected: %v", err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("database mode %v, want 0600", st.Mode().Perm())
			}
			if dst, err := os.Stat(filepath.Dir(tc.want)); err != nil || dst.Mode().Perm() != 0o700 {
				t.Errorf("data directory mode %v (%v), want 0700", dst.Mode().Perm(), err)
			}
			if err := os.Remove(tc.want); err != nil {
				t.Fatal(err)
			}
		})
	}
}
