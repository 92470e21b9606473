package npmrun

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Dir is the folder, beside a connector's tests, that holds its npm
// client's package.json and package-lock.json.
const Dir = "npmclient"

// Timeout bounds one run of a script.
const Timeout = 2 * time.Minute

// Client is the npm client a connector's tests run.
type Client struct {
	Package string // the npm package the scripts use, e.g. "@kth/canvas-api"
	What    string // what it is, for a skip or failure: "the npm Canvas client"
}

// Need returns node's path once node and c.Package, installed in Dir,
// are both present; else it fails the test under CI=true and skips it
// elsewhere, saying how to install the client.
func (c Client) Need(t testing.TB) string {
	t.Helper()
	install := "npm ci --prefix " + filepath.ToSlash(filepath.Join(packageDir(), Dir))
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s; scripts/test.sh installs it (%s)", why, install)
		}
		t.Skipf("%s; run `%s` (scripts/test.sh does) to run this test", why, install)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(Dir, "node_modules", filepath.FromSlash(c.Package), "package.json")); err != nil {
		missing(c.What + " (" + c.Package + ") is not installed in " + Dir + "/node_modules")
	}
	return node
}

// Run runs `node script` in Dir with env added to the test's own, within
// Timeout, and returns what it printed on stdout. A script that fails
// fails the test with its stderr.
func (c Client) Run(t testing.TB, script string, env ...string) []byte {
	t.Helper()
	node := c.Need(t)
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = Dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	return stdout.Bytes()
}

// packageDir is the test's package folder relative to the module root
// (where go.mod is), for the install command; "." when not found.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil && !strings.HasPrefix(rel, "..") {
				return rel
			}
			return "."
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}
