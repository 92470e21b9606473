package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeCommands returns the command lines of the sh blocks in a README
// section, continuation lines joined and comments dropped.
func readmeCommands(t *testing.T, readme, heading string) []string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	sec := readme[i+len(heading)+2:]
	if j := strings.Index(sec, "\n## "); j >= 0 {
		sec = sec[:j]
	}
	var out []string
	for _, block := range strings.Split(sec, "```sh\n")[1:] {
		block = block[:strings.Index(block, "```")]
		block = strings.ReplaceAll(block, "\\\n", " ")
		for _, line := range strings.Split(block, "\n") {
			if k := strings.Index(line, " # "); k >= 0 {
				line = line[:k]
			}
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out
}

// shellWords splits a command line as sh would for the plain words,
// single and double quotes the README uses.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

var licenseKeyRe = regexp.MustCompile(`RC-[A-Z0-9]{5}(?:-[A-Z0-9]{1,5})+`)

// TestREADMEPathsRunAsWritten runs README's "First steps with the CLI"
// then "Syncs" in order, as a newcomer would: a fresh home, no
// --data-dir, the config written into the current folder. Lines that need
// a running server or a Google directory (serve, deploy-ou, undeploy) are
// left out; a license key in a line is the one the flow printed last.
func TestREADMEPathsRunAsWritten(t *testing.T) {
	readmeFile := os.Getenv("ROLLCALL_TEST_README") // to try an edit before it lands
	if readmeFile == "" {
		readmeFile = "../../README.md"
	}
	b, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	lines := append(readmeCommands(t, readme, "## First steps with the CLI"), readmeCommands(t, readme, "## Syncs")...)
	work, home := t.TempDir(), t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TZ=UTC"}
	key := ""
	ran := map[string]bool{}
	for _, line := range lines {
		stdin, stdout := "", ""
		if l, r, ok := strings.Cut(line, " | "); ok {
			w := shellWords(l)
			if len(w) < 2 || w[0] != "echo" {
				t.Fatalf("README line %q: only echo … | is understood here", line)
			}
			stdin, line = strings.Join(w[1:], " ")+"\n", r
		}
		if l, r, ok := strings.Cut(line, " > "); ok {
			line, stdout = l, strings.TrimSpace(r)
		}
		w := shellWords(line)
		if len(w) < 2 || w[0] != "./rollcall" {
			t.Fatalf("README line %q does not run ./rollcall", line)
		}
		switch w[1] {
		case "serve", "deploy-ou", "undeploy":
			continue
		}
		if key != "" {
			for i := range w {
				w[i] = licenseKeyRe.ReplaceAllString(w[i], key)
			}
			stdin = licenseKeyRe.ReplaceAllString(stdin, key)
		}
		cmd := exec.Command(binary, w[1:]...)
		cmd.Dir, cmd.Env = work, env
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatal(err)
			}
			t.Fatalf("README line %q failed (%v):\nstdout:\n%s\nstderr:\n%s", line, err, out.String(), errb.String())
		}
		if m := licenseKeyRe.FindAllString(out.String(), -1); len(m) > 0 && (w[1] == "license") {
			key = m[len(m)-1]
		}
		if stdout != "" {
			if err := os.WriteFile(filepath.Join(work, stdout), out.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		ran[strings.Join(w[1:min(3, len(w))], " ")] = true
	}
	for _, want := range []string{"license create", "members import", "redeem " + key, "config example", "sync hs", "runs hs"} {
		found := false
		for k := range ran {
			found = found || strings.HasPrefix(k, strings.Fields(want)[0]+" "+strings.Fields(want)[1]) || k == want
		}
		if !found {
			t.Errorf("the README flow no longer runs %q", want)
		}
	}
	// One store: the data directory's, which the config's syncs used too.
	data := filepath.Join(home, ".local", "share", "rollcall")
	for _, f := range []string{"rollcall.db", "syncstate.db"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("%s is not in the data directory: %v", f, err)
		}
		if _, err := os.Stat(filepath.Join(work, f)); err == nil {
			t.Errorf("a second %s appeared beside the config", f)
		}
	}
	// The sync ran against the license "license create" made.
	cmd := exec.Command(binary, "runs", "hs", "--config", "rollcall.yaml", "--json")
	cmd.Dir, cmd.Env = work, env
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), `"success"`) {
		t.Fatalf("runs hs after the README flow: %v\n%s", err, out)
	}
}

// TestReadOnlyCommandsCreateNothing: config show, deployments, runs and
// sync --dry-run on a fresh machine leave no file behind, and say which
// state files they would use.
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	work, home := t.TempDir(), t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	run := func(args ...string) (string, string) {
		cmd := exec.Command(binary, args...)
		cmd.Dir, cmd.Env = work, env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		_ = cmd.Run() // the dry run fails: there is no roster yet
		return out.String(), errb.String()
	}
	ex, _ := run("config", "example")
	if err := os.WriteFile(filepath.Join(work, "rollcall.yaml"), []byte(ex), 0o600); err != nil {
		t.Fatal(err)
	}
	run("config", "show", "rollcall.yaml")
	run("config", "check", "rollcall.yaml")
	for _, args := range [][]string{
		{"deployments", "--config", "rollcall.yaml"},
		{"runs", "hs", "--config", "rollcall.yaml"},
		{"plans", "list", "--config", "rollcall.yaml"},
		{"sync", "hs", "--config", "rollcall.yaml", "--dry-run"},
	} {
		_, stderr := run(args...)
		if !strings.Contains(stderr, "rollcall.db") || !strings.Contains(stderr, "syncstate.db") || !strings.Contains(stderr, "auth.db") ||
			!strings.Contains(stderr, "not created") {
			t.Errorf("rollcall %s does not say which state files it uses:\n%s", strings.Join(args, " "), stderr)
		}
	}
	for _, dir := range []string{work, home} {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != dir && p != filepath.Join(work, "rollcall.yaml") {
				t.Errorf("a read-only command created %s", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
