package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runWith runs rollcall like e.run, with extra environment variables (the
// API token) and without --actor: through --server the token names the
// actor.
func (e *env) runWith(env []string, stdin string, args ...string) result {
	e.t.Helper()
	full := append([]string{"--data-dir", e.dataDir}, args...)
	cmd := exec.Command(binary, full...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(append(os.Environ(), "ROLLCALL_DATA_DIR=", "ROLLCALL_TOKEN="), env...)
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

// remoteEnv is a district whose server runs: its base URL and tokens.
type remoteEnv struct {
	*env
	cfg, roster    string
	server         string
	operator, boss string // tokens: an operator, and an admin of license hs only
	proc           *proc
	outputs        []string // every output of a --server command, to look for tokens in
}

// remote runs a command through the server with tok and wants exit code.
func (r *remoteEnv) remote(tok string, code int, args ...string) result {
	r.t.Helper()
	// Debug logging: whatever the client logs is searched for the token.
	res := r.runWith([]string{"ROLLCALL_TOKEN=" + tok}, "", append([]string{"--log-level", "debug", "--server", r.server}, args...)...)
	r.outputs = append(r.outputs, res.stdout, res.stderr)
	if res.code != code {
		r.t.Fatalf("want exit %d:\n%s", code, res)
	}
	return res
}

func (r *remoteEnv) start() {
	r.t.Helper()
	r.proc = r.startProc("serve", "--config", r.cfg, "--listen", "127.0.0.1:0")
	r.server = "http://" + r.proc.waitLine(r.t, servingRe, 30*time.Second)[1]
}

func (r *remoteEnv) stop() {
	r.t.Helper()
	r.proc.stop(r.t, 30*time.Second)
	r.outputs = append(r.outputs, r.proc.stderr.String())
}

// newRemoteEnv makes a district with a synced roster, members added by
// hand, a second license and two tokens, all made with the local CLI
// before the server starts.
func newRemoteEnv(t *testing.T) *remoteEnv {
	e, cfg, roster := syncEnv(t, 40, 3)
	r := &remoteEnv{env: e, cfg: cfg, roster: roster}
	e.ok("", "license", "update", "hs", "--add-domain", "district.example.org", "--add-admin", "boss@district.example.org", "--feature", "chat=on")
	e.ok("", "license", "create", "--id", "ms", "--name", "Middle School", "--type", "school", "--seats", "10", "--expires", "2030-06-30")
	e.ok("", "members", "add", "-l", "hs", "--role", "teacher", "ann@district.example.org", "bob@district.example.org")
	e.ok("", "members", "add", "-l", "ms", "cat@district.example.org")
	e.ok("", "domain", "admin", "add", "district.example.org", "dom@district.example.org")
	var tok struct{ Token string }
	e.jsonOK(&tok, "", "token", "create", "--email", "op@district.example.org", "--role", "operator", "--note", "cli")
	r.operator = tok.Token
	e.jsonOK(&tok, "", "token", "create", "--email", "boss@district.example.org", "--role", "admin")
	r.boss = tok.Token
	if r.operator == "" || r.boss == "" {
		t.Fatal("token create --json gave no token")
	}
	return r
}

// waitRun waits until the deployment's startup run has ended.
func (r *remoteEnv) waitRun(deployment string) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var runs []struct{ Result string }
		res := r.remote(r.operator, 0, "--json", "runs", deployment)
		if err := json.Unmarshal([]byte(res.stdout), &runs); err != nil {
			r.t.Fatalf("runs --json: %v\n%s", err, res)
		}
		if len(runs) > 0 && runs[0].Result != "running" {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no run of %s ended; server stderr:\n%s", deployment, r.proc.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// readCommands are commands that only read, run the same through the
// server and on the files; those needing the config get it locally.
var readCommands = []struct {
	args      []string
	configArg bool // the local command needs --config
}{
	{[]string{"license", "list"}, false},
	{[]string{"license", "show", "hs"}, false},
	{[]string{"license", "show", "ms"}, false},
	{[]string{"members", "list", "-l", "hs"}, false},
	{[]string{"members", "list", "-l", "hs", "--filter", "%s00%", "--sort", "-email", "--limit", "3"}, false},
	{[]string{"members", "list", "-l", "hs", "--limit", "0", "--sort", "name"}, false},
	{[]string{"members", "list", "-l", "hs", "--limit", "2"}, false},
	{[]string{"members", "history", "-l", "hs", "ann@district.example.org"}, false},

	{[]string{"members", "export", "-l", "hs", "--filter", "role is teacher"}, false},
	{[]string{"entitlement", "ann@district.example.org"}, false},
	{[]string{"entitlement", "nobody@district.example.org"}, false},
	{[]string{"domain", "admins", "district.example.org"}, false},
	{[]string{"token", "list"}, false},
	{[]string{"runs", "hs"}, true},
	{[]string{"deployments"}, true},
	{[]string{"plans", "list"}, true},
}

// TestRemoteMatchesLocal runs the read commands through a running server
// and then, with the server stopped, on the files: text and --json must
// be the same. Write commands run through the server and on a copy of the
// files taken before it started must print the same too.
func TestRemoteMatchesLocal(t *testing.T) {
	r := newRemoteEnv(t)
	// A copy of the files as they are before the server starts, for the
	// write commands run locally.
	before := newEnv(t)
	copyTree(t, r.dataDir, before.dataDir)

	r.start()
	r.waitRun("hs")

	// Writes, through the server and on the copy: the same output.
	csv := r.write("new.csv", "email,name,role\ndee@ms.example.org,Dee,teacher\neve@ms.example.org,Eve,student\n")
	writes := [][]string{
		{"license", "create", "--id", "w1", "--name", "Willow", "--type", "school", "--seats", "5", "--expires", "2031-01-31", "--domain", "willow.example.org", "--admin", "head@willow.example.org", "--feature", "chat=on"},
		{"license", "update", "w1", "--seats", "7", "--name", "Willow Elementary", "--add-domain", "willow2.example.org", "--remove-admin", "head@willow.example.org", "--add-admin", "it@willow.example.org", "--feature", "video=off", "--lms-vendor", "canvas", "--lms-url", "https://canvas.willow.example.org/"},
		{"license", "update", "w1", "--no-expiry", "--remove-domain", "willow.example.org"},
		{"members", "add", "-l", "w1", "--role", "teacher", "pat@willow.example.org", "quinn@willow.example.org", "Pat@willow.example.org"},
		// --role given: the API stores "student" for an add without one,
		// where the local add leaves the claim's role unset.
		{"members", "add", "-l", "w1", "--role", "student", "ray@willow.example.org"},
		{"members", "remove", "-l", "w1", "--dry-run", "pat@willow.example.org", "zed@willow.example.org"},
		{"members", "remove", "-l", "w1", "pat@willow.example.org", "zed@willow.example.org"},
		{"members", "remove", "-l", "hs", "bob@district.example.org"},
		{"members", "import", "-l", "ms", csv},
		{"members", "import", "-l", "ms", "--remove", "--dry-run", csv},
		{"members", "list", "-l", "w1"},
		{"license", "rotate-key", "w1"},
		{"domain", "admin", "add", "willow.example.org", "it@willow.example.org"},
		{"domain", "admin", "remove", "district.example.org", "dom@district.example.org"},
		{"license", "delete", "w1", "--yes"},
	}
	for _, json := range []bool{false, true} {
		for _, w := range writes {
			args := w
			if json {
				args = append([]string{"--json"}, w...)
				if w[0] == "license" && w[1] == "create" {
					continue // once is enough: the id is taken after
				}
			}
			rem := r.remote(r.operator, 0, args...)
			loc := before.ok("", args...)
			if got, want := r.normalizeWrite(rem.stdout), before.normalizeWrite(loc.stdout); got != want {
				t.Errorf("rollcall %s: through --server\n%s\nlocally\n%s", strings.Join(args, " "), got, want)
			}
		}
		if !json {
			// Make w1 again for the --json round.
			r.remote(r.operator, 0, writes[0]...)
			before.ok("", writes[0]...)
		}
	}

	// A held plan: 25 of 40 students leave, more than the deletion guard
	// lets through; the sync through the server holds them.
	if err := os.WriteFile(r.roster, []byte(rosterCSV(15, 3)), 0o600); err != nil {
		t.Fatal(err)
	}
	held := r.remote(r.operator, 0, "sync", "hs")
	if !strings.Contains(held.stdout, "held") {
		t.Fatalf("sync through the server should hold the removals:\n%s", held)
	}

	remote := map[string]string{}
	for _, c := range readCommands {
		for _, args := range [][]string{c.args, append([]string{"--json"}, c.args...)} {
			out := r.remote(r.operator, 0, args...).stdout
			if strings.TrimSpace(out) == "" {
				t.Errorf("rollcall --server %s printed nothing", strings.Join(args, " "))
			}
			remote[strings.Join(args, " ")] = out
		}
	}
	// The next page, from the cursor the first page printed.
	m := regexp.MustCompile(`More: --cursor (\S+)`).FindStringSubmatch(remote["members list -l hs --limit 2"])
	if m == nil {
		t.Fatalf("members list --limit 2 should print a cursor:\n%s", remote["members list -l hs --limit 2"])
	}
	next := []string{"members", "list", "-l", "hs", "--limit", "2", "--cursor", m[1]}
	remote[strings.Join(next, " ")] = r.remote(r.operator, 0, next...).stdout
	r.stop()

	for _, c := range readCommands {
		for _, args := range [][]string{c.args, append([]string{"--json"}, c.args...)} {
			local := args
			if c.configArg {
				local = append(append([]string{}, args...), "--config", r.cfg)
			}
			want := r.ok("", local...).stdout
			got := remote[strings.Join(args, " ")]
			if args[0] == "--json" && c.configArg {
				want, got = withoutRunOnly(t, want), withoutRunOnly(t, got)
			}
			if got != want {
				t.Errorf("rollcall %s: through --server\n%s\nlocally\n%s", strings.Join(args, " "), got, want)
			}
		}
	}
	if got, want := remote[strings.Join(next, " ")], r.ok("", next...).stdout; got != want || !strings.Contains(got, "@") {
		t.Errorf("second page: through --server\n%s\nlocally\n%s", got, want)
	}
	if len(remote["plans list"]) == 0 || !strings.Contains(remote["plans list"], "25") {
		t.Errorf("plans list through the server should show the held plan of 25 removals:\n%s", remote["plans list"])
	}

	// Approve through the server, started again.
	r.start()
	var plans []struct{ ID string }
	if err := json.Unmarshal([]byte(r.remote(r.operator, 0, "--json", "plans", "list").stdout), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plans list --json through the server: %v %+v", err, plans)
	}
	show := r.remote(r.operator, 0, "plans", "show", plans[0].ID)
	if !strings.Contains(show.stdout, "s039@district.example.org") || !strings.Contains(show.stdout, "held for approval") {
		t.Fatalf("plans show through the server should list the held removals:\n%s", show)
	}
	dry := r.remote(r.operator, 0, "sync", "hs", "--dry-run")
	if !strings.Contains(dry.stdout, "remove 25") {
		t.Fatalf("sync --dry-run through the server should plan the 25 removals:\n%s", dry)
	}
	ap := r.remote(r.operator, 0, "plans", "approve", plans[0].ID)
	if !strings.Contains(ap.stdout, "approval") || !strings.Contains(ap.stdout, "success") {
		t.Fatalf("plans approve through the server should print the approval run:\n%s", ap)
	}
	again := r.remote(r.operator, 1, "plans", "approve", plans[0].ID)
	if !strings.Contains(again.stderr, "not pending") || strings.Contains(again.stderr, "internal error") {
		t.Fatalf("approving twice should name the plan:\n%s", again)
	}
	r.remote(r.operator, 1, "plans", "reject", "no-such-plan")
	r.stop()

	r.checkNoToken(t)
}

// withoutRunOnly drops from JSON what the API's views of runs and plans
// leave out (see runOf and remotePlansList): a run's connector, snapshot
// hash, leaving and restored counts and last write time, a held plan's
// stored plan. It re-encodes the rest for comparison.
func withoutRunOnly(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range []string{"connector", "snapshot_hash", "leaving", "restored", "plan", "decided"} {
				delete(x, k)
			}
			if _, ok := x["updated"].(string); ok {
				delete(x, "updated")
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var fracTimeRe = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z`)

// normalizeWrite is normalize, with instants to the nanosecond (JSON), plus the one thing the two sides cannot
// share: the CSV upload id, which the server makes and does not answer.
func (e *env) normalizeWrite(s string) string {
	s = e.normalize(fracTimeRe.ReplaceAllString(s, "0000-00-00T00:00:00.0Z"))
	s = regexp.MustCompile(`; their claims have source csv:\S+\.`).ReplaceAllString(s, ".")
	return regexp.MustCompile(`(?m)^\s*"upload_id": .*\n`).ReplaceAllString(s, "")
}

// checkNoToken: no output of a --server command and no server log line
// holds a token.
func (r *remoteEnv) checkNoToken(t *testing.T) {
	t.Helper()
	for _, out := range r.outputs {
		for _, tok := range []string{r.operator, r.boss} {
			if strings.Contains(out, tok) {
				t.Fatalf("a token appears in output or log:\n%s", out)
			}
		}
	}
}

// TestRemoteRefusals: the locked-file hint, routes the API lacks, tokens
// from files, and what a token may not do.
func TestRemoteRefusals(t *testing.T) {
	r := newRemoteEnv(t)
	r.start()
	r.waitRun("hs")

	// Local commands against the running server's files say how to use --server.
	for _, args := range [][]string{
		{"license", "list"},
		{"token", "list"},
		{"runs", "hs", "--config", r.cfg},
	} {
		res := r.fail(1, "", args...)
		if !strings.Contains(res.stderr, "is locked") || !strings.Contains(res.stderr, "rollcall --server") || !strings.Contains(res.stderr, "ROLLCALL_TOKEN") {
			t.Errorf("rollcall %s against a running server should say how to use --server:\n%s", strings.Join(args, " "), res)
		}
	}

	// Commands without an API route say so, as a usage error.
	for _, args := range [][]string{{"check"}, {"backup", "--out", t.TempDir()}, {"deploy-ou", "--license", "hs", "--connector", "roster", "--ou", "/x", "--by", "boss@district.example.org"}, {"members", "add", "-l", "hs", "--name", "Ann", "ann@district.example.org"}} {
		res := r.remote(r.operator, 2, args...)
		if !strings.Contains(res.stderr, "--server") && !strings.Contains(res.stderr, "no API route") {
			t.Errorf("rollcall --server %s should refuse plainly:\n%s", strings.Join(args, " "), res)
		}
	}
	res := r.remote(r.operator, 2, "check")
	if !strings.Contains(res.stderr, "check needs direct access to the files; it has no API route") {
		t.Errorf("check through --server:\n%s", res)
	}
	// Commands that open no file run as they are.
	if res := r.remote(r.operator, 0, "members", "sample-csv"); !strings.Contains(res.stdout, "email") {
		t.Errorf("sample-csv through --server:\n%s", res)
	}

	// No token, a bad token, a token on plain http to another host.
	for _, c := range []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{nil, []string{"--server", r.server, "license", "list"}, 2, "set ROLLCALL_TOKEN"},
		{[]string{"ROLLCALL_TOKEN=rcat_nosuchtoken"}, []string{"--server", r.server, "license", "list"}, 1, "the server refused the token"},
		{[]string{"ROLLCALL_TOKEN=" + r.operator}, []string{"--server", "http://rollcall.example.org", "license", "list"}, 2, "plain http"},
		{[]string{"ROLLCALL_TOKEN=" + r.operator}, []string{"--server", "ftp://x", "license", "list"}, 2, "base URL"},
		{nil, []string{"--token-file", "x", "license", "list"}, 2, "--token-file is for --server"},
	} {
		res := r.runWith(c.env, "", c.args...)
		r.outputs = append(r.outputs, res.stdout, res.stderr)
		if res.code != c.code || !strings.Contains(res.stderr, c.want) {
			t.Errorf("want exit %d and %q:\n%s", c.code, c.want, res)
		}
	}

	// --token-file: mode 0600 works, wider is refused naming the fix.
	dir := t.TempDir()
	tf := filepath.Join(dir, "token")
	if err := os.WriteFile(tf, []byte(r.operator+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := r.runWith(nil, "", "--server", r.server, "--token-file", tf, "license", "show", "hs"); res.code != 0 || !strings.Contains(res.stdout, "High School") {
		t.Errorf("--token-file 0600:\n%s", res)
	}
	if err := os.Chmod(tf, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := r.runWith(nil, "", "--server", r.server, "--token-file", tf, "license", "show", "hs"); res.code != 1 || !strings.Contains(res.stderr, "chmod 600") {
		t.Errorf("--token-file 0644 should be refused:\n%s", res)
	}

	// An admin of hs: may list hs's members, may not change its expiry
	// (403, said plainly), does not see ms (404), may not make licenses.
	r.remote(r.boss, 0, "members", "list", "-l", "hs")
	res = r.remote(r.boss, 1, "license", "update", "hs", "--expires", "2030-01-01")
	if !strings.Contains(res.stderr, "the server refused (403): only operators change a license's expiry and domains") {
		t.Errorf("403 should be said plainly:\n%s", res)
	}
	res = r.remote(r.boss, 1, "license", "show", "ms")
	if !strings.Contains(res.stderr, "not found") {
		t.Errorf("another license should be unknown to its non-admin:\n%s", res)
	}
	res = r.remote(r.boss, 1, "token", "list")
	if !strings.Contains(res.stderr, "403") {
		t.Errorf("token list by an admin:\n%s", res)
	}
	// Tokens made and revoked through the server.
	var made struct {
		Token string
		Info  struct{ ID, Email, Role string }
	}
	res = r.remote(r.operator, 0, "--json", "token", "create", "--email", "app@district.example.org", "--role", "application", "--ttl", "1d")
	if err := json.Unmarshal([]byte(res.stdout), &made); err != nil || made.Token == "" || made.Info.Role != "application" {
		t.Fatalf("token create through the server: %v\n%s", err, res)
	}
	r.remote(made.Token, 0, "entitlement", "ann@district.example.org")
	if res := r.remote(r.operator, 0, "token", "revoke", made.Info.ID); !strings.Contains(res.stdout, "Revoked token "+made.Info.ID) {
		t.Errorf("token revoke through the server:\n%s", res)
	}
	r.remote(made.Token, 1, "entitlement", "ann@district.example.org")
	r.remote(r.operator, 2, "token", "create", "--email", "x@district.example.org", "--role", "king")

	// A field the server refuses is a usage error naming the flag.
	res = r.remote(r.operator, 2, "license", "create", "--name", "X", "--type", "school", "--seats", "-3")
	if !strings.Contains(res.stderr, "--seats") {
		t.Errorf("a refused field should name its flag:\n%s", res)
	}
	// A sync through the server follows the run to its end.
	res = r.remote(r.operator, 0, "sync", "hs")
	if !strings.Contains(res.stdout, "manual") || !strings.Contains(res.stdout, "success") {
		t.Errorf("sync through the server:\n%s", res)
	}
	res = r.remote(r.operator, 1, "sync", "nope")
	if !strings.Contains(res.stderr, `deployment "nope"`) {
		t.Errorf("unknown deployment should be named:\n%s", res)
	}
	// A deployment from the config cannot be undeployed, through the
	// server or at the files.
	und := r.remote(r.operator, 1, "undeploy", "hs")
	r.stop()
	loc := r.fail(1, "", "undeploy", "hs", "--config", r.cfg)
	if !strings.Contains(loc.stderr, strings.TrimPrefix(strings.SplitN(und.stderr, "\n", 2)[0], "rollcall: ")) {
		t.Errorf("undeploy: through --server\n%s\nlocally\n%s", und, loc)
	}
	r.checkNoToken(t)
}

// copyTree copies the regular files of one directory into another.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range ents {
		if !en.Type().IsRegular() {
			continue
		}
		src, err := os.Open(filepath.Join(from, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.OpenFile(filepath.Join(to, en.Name()), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
