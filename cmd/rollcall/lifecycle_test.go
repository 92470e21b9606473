package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/webhook"
)

var failpointBuild struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// failpointBinary builds rollcall with crash points once per test binary.
func failpointBinary(t *testing.T) string {
	t.Helper()
	failpointBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "rollcall-failpoints")
		if err != nil {
			failpointBuild.err = err
			return
		}
		failpointBuild.path = filepath.Join(dir, "rollcall-failpoints")
		failpointBuild.out, failpointBuild.err = exec.Command("go", "build", "-tags", "failpoints", "-o", failpointBuild.path, ".").CombinedOutput()
	})
	if failpointBuild.err != nil {
		t.Fatalf("build with failpoints: %v\n%s", failpointBuild.err, failpointBuild.out)
	}
	return failpointBuild.path
}

// TestKilledSyncIsRecordedInterrupted kills `rollcall sync` with SIGKILL
// right after batch k of its apply commits. The run's record was written
// before any work, so the next start finds it unfinished and records it as
// interrupted, with the counts the store shows applied (k batches); the
// next run continues the ID sequence without a gap and finishes the rest.
func TestKilledSyncIsRecordedInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a failpoint binary")
	}
	const people, batch, killAfter = 1500, 100, 6
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "big", "--name", "Big", "--type", "district", "--seats", "5000")
	var b strings.Builder
	b.WriteString("email,name,org_unit\n")
	for i := range people {
		fmt.Fprintf(&b, "p%05d@big.example.org,Person %d,/Students\n", i, i)
	}
	roster := e.write("people.csv", b.String())
	cfg := e.write("rollcall.yaml", fmt.Sprintf(`sync: {batch_size: %d}
connectors:
  - name: roster
    type: static
    settings: {path: %q}
deployments:
  - name: all
    connector: roster
    license: big
`, batch, roster))

	cmd := exec.Command(failpointBinary(t), "--data-dir", e.dataDir, "sync", "all", "--config", cfg)
	cmd.Env = append(os.Environ(), "ROLLCALL_DATA_DIR=", fmt.Sprintf("ROLLCALL_FAILPOINT=after-batch:%d", killAfter))
	err := cmd.Run()
	var ee *exec.ExitError
	ws, _ := func() (syscall.WaitStatus, bool) {
		if errors.As(err, &ee) {
			w, ok := ee.Sys().(syscall.WaitStatus)
			return w, ok
		}
		return 0, false
	}()
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the sync was not killed by SIGKILL: %v", err)
	}

	var runs []syncstate.Run
	e.jsonOK(&runs, "", "runs", "all", "--config", cfg)
	if len(runs) != 1 {
		t.Fatalf("after the kill: %d runs recorded, want the one interrupted run: %+v", len(runs), runs)
	}
	r := runs[0]
	if r.Result != syncstate.ResultInterrupted || r.ID != 1 || r.Ended.IsZero() || !strings.Contains(r.Reason, "unfinished") {
		t.Fatalf("killed run recorded as %+v; want run 1 interrupted, ended, with the reason", r)
	}
	if r.Counts.Added != killAfter*batch {
		t.Fatalf("interrupted run counts %d added; the store committed %d (%d batches of %d)", r.Counts.Added, killAfter*batch, killAfter, batch)
	}
	if used := checkStoreUsed(t, e, "big"); used != killAfter*batch {
		t.Fatalf("the store holds %d members, want %d", used, killAfter*batch)
	}

	e.ok("", "sync", "all", "--config", cfg)
	e.jsonOK(&runs, "", "runs", "all", "--config", cfg)
	if len(runs) != 2 || runs[0].ID != 2 || runs[0].Result != syncstate.ResultSuccess || runs[0].Counts.Added != people-killAfter*batch {
		t.Fatalf("runs after syncing again = %+v; want run 2 a success adding the remaining %d", runs, people-killAfter*batch)
	}
	if runs[1].Result != syncstate.ResultInterrupted {
		t.Fatalf("the interrupted run changed: %+v", runs[1])
	}
}

func checkStoreUsed(t *testing.T, e *env, licenseID string) int {
	t.Helper()
	var l struct{ Used int }
	e.jsonOK(&l, "", "license", "show", licenseID)
	return l.Used
}

// The summer pause is one line of config: `rollcall calendar` shows it, a
// sync inside it is recorded as skipped with the window named, and a bad
// window is refused naming its field.
func TestCalendarPauseIsOneLine(t *testing.T) {
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "hs", "--name", "HS", "--type", "school", "--seats", "50")
	roster := e.write("people.csv", "email,name\na@hs.example.org,A\nb@hs.example.org,B\n")
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	base := fmt.Sprintf(`connectors:
  - name: roster
    type: static
    settings: {path: %q}
deployments:
  - name: hs
    connector: roster
    license: hs
`, roster)
	cfg := e.write("rollcall.yaml", base+fmt.Sprintf("calendar: [{name: summer, kind: blackout, from: %s, to: %s}, {name: august, kind: additions-only, from: %s, to: %s, licenses: [hs]}]\n",
		day(-1), day(1), day(2), day(9)))

	var rows []struct {
		Name, Kind, State string
		Licenses          []string
	}
	e.jsonOK(&rows, "", "calendar", "--config", cfg)
	if len(rows) != 2 || rows[0].Name != "summer" || rows[0].State != "active" || rows[1].State != "upcoming" || len(rows[1].Licenses) != 1 {
		t.Fatalf("calendar = %+v; want summer active and august upcoming for license hs", rows)
	}
	table := e.ok("", "calendar", "--config", cfg).stdout
	if !strings.Contains(table, "summer") || !strings.Contains(table, "every license") || !strings.Contains(table, "license hs") {
		t.Fatalf("calendar table:\n%s", table)
	}

	var runs []syncstate.Run
	e.jsonOK(&runs, "", "sync", "hs", "--config", cfg)
	if len(runs) != 1 || runs[0].Result != syncstate.ResultSkipped || !strings.Contains(runs[0].Reason, `"summer" (blackout)`) {
		t.Fatalf("sync in the blackout = %+v; want skipped naming the window", runs)
	}
	if used := checkStoreUsed(t, e, "hs"); used != 0 {
		t.Fatalf("a blacked-out sync added %d members", used)
	}

	bad := e.write("bad.yaml", base+"calendar: [{name: summer, kind: pause, from: 2026-06-15, to: 2026-06-01}]\n")
	r := e.run("", "calendar", "--config", bad)
	if r.code == 0 || !strings.Contains(r.stderr, "calendar[0].kind") || !strings.Contains(r.stderr, "calendar[0].to") {
		t.Fatalf("a bad window was not refused by field:\n%s", r)
	}
}

// hookReceiver is a webhook endpoint on loopback that verifies each
// delivery's signature and keeps every delivery it got, by idempotency key.
type hookReceiver struct {
	mu     sync.Mutex
	bodies map[string][]string // idempotency key → bodies received
	bad    []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := webhook.Verify(hookSecret, r.Header.Get(webhook.HeaderSignature), body, time.Now(), time.Minute); err != nil {
		h.bad = append(h.bad, err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(webhook.HeaderIdempotency)
	h.bodies[key] = append(h.bodies[key], string(body))
	w.WriteHeader(http.StatusOK)
}

func (h *hookReceiver) snapshot() (map[string][]string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]string{}
	for k, v := range h.bodies {
		out[k] = slices.Clone(v)
	}
	return out, slices.Clone(h.bad)
}

const hookSecret = "crash-test-secret-0123456789"

// TestWebhookSurvivesCrashBetweenCommitAndSend kills `rollcall serve` with
// SIGKILL at the two worst places for a webhook: after the change was
// committed and before it was sent, and after the receiver got it but
// before the webhook's place was saved. Started again, the server delivers
// from the stored place: the receiver sees every event, and any duplicate
// has the same idempotency key and body as the first delivery.
func TestWebhookSurvivesCrashBetweenCommitAndSend(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a failpoint binary and runs the server three times")
	}
	for _, point := range []string{"webhook-before-send:2", "webhook-after-send:3"} {
		t.Run(point, func(t *testing.T) {
			const people = 6
			rc := &hookReceiver{bodies: map[string][]string{}}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			e := newEnv(t)
			e.ok("", "license", "create", "--id", "hs", "--name", "HS", "--type", "school", "--seats", "50")
			var b strings.Builder
			b.WriteString("email,name\n")
			for i := range people {
				fmt.Fprintf(&b, "kid%d@hs.example.org,Kid %d\n", i, i)
			}
			roster := e.write("people.csv", b.String())
			cfg := e.write("rollcall.yaml", fmt.Sprintf(`connectors:
  - name: roster
    type: static
    settings: {path: %q}
deployments:
  - name: hs
    connector: roster
    license: hs
webhooks:
  - {name: hs-hook, license: hs, url: %q, secret: %q, insecure_loopback: true}
`, roster, srv.URL+"/hook", hookSecret))

			// First run: dies at the failpoint.
			cmd := exec.Command(failpointBinary(t), "--data-dir", e.dataDir, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "ROLLCALL_DATA_DIR=", "ROLLCALL_FAILPOINT="+point)
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
					t.Fatalf("serve was not killed at %s: %v", point, err)
				}
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("serve never reached %s", point)
			}
			before, _ := rc.snapshot()

			// Second run: a normal server picks up from the stored place.
			p := e.startProc("serve", "--config", cfg, "--listen", "127.0.0.1:0")
			p.waitLine(t, servingRe, 30*time.Second)
			deadline := time.Now().Add(30 * time.Second)
			for {
				got, bad := rc.snapshot()
				if len(bad) > 0 {
					t.Fatalf("deliveries with bad signatures: %v", bad)
				}
				if len(got) >= people {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after the restart the receiver has %d of %d events: %v", len(got), people, keys(got))
				}
				time.Sleep(50 * time.Millisecond)
			}
			p.stop(t, 30*time.Second)

			got, _ := rc.snapshot()
			if len(got) != people {
				t.Fatalf("receiver got %d distinct events, want %d: %v", len(got), people, keys(got))
			}
			dups := 0
			for k, bodies := range got {
				for _, b := range bodies[1:] {
					dups++
					if b != bodies[0] {
						t.Errorf("duplicate of %s differs:\n%s\n%s", k, bodies[0], b)
					}
				}
			}
			switch point {
			case "webhook-before-send:2":
				if dups != 0 || len(before) != 1 {
					t.Errorf("killed before sending event 2: %d delivered before the kill, %d duplicates; want 1 and none", len(before), dups)
				}
			case "webhook-after-send:3":
				if dups != 1 || len(got["rollcall-3"]) != 2 || len(before) != 3 {
					t.Errorf("killed after event 3 was received: %d before the kill, %d duplicates (rollcall-3 %d times); want 3, exactly event 3 twice", len(before), dups, len(got["rollcall-3"]))
				}
			}
		})
	}
}

func keys(m map[string][]string) []string {
	out := slices.Collect(maps.Keys(m))
	slices.Sort(out)
	return out
}

// TestRunNowOverHTTP: POST .../run answers 202 with the running record at
// once and a Location to follow; the client hangs up; the run goes on in
// the server and its record ends a success with the counts applied.
func TestRunNowOverHTTP(t *testing.T) {
	e, cfg, roster := syncEnv(t, 40, 2)
	tok := tokenRe.FindString(e.ok("", "token", "create", "--email", "op@t.example.org", "--role", "operator").stdout)
	if tok == "" {
		t.Fatal("no token")
	}
	p := e.startProc("serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.waitLine(t, servingRe, 30*time.Second)[1]
	call := func(ctx context.Context, method, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	follow := func(loc string, want func(license.RunView) bool) license.RunView {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, body := call(t.Context(), "GET", loc)
			var r license.RunView
			if resp.StatusCode == 200 && json.Unmarshal(body, &r) == nil && want(r) {
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s never showed the awaited state: %d %s", loc, resp.StatusCode, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Let the start-up catch-up run finish first.
	follow("/api/v1/deployments/hs/runs/1", func(r license.RunView) bool { return r.Result == "success" })

	// The roster changes; an admin asks for a run and hangs up at once.
	if err := os.WriteFile(roster, []byte(rosterCSV(45, 2)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	resp, body := call(ctx, "POST", "/api/v1/deployments/hs/run")
	cancel()
	var started license.RunView
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(body, &started) != nil || started.Result != "running" || started.ID != 2 {
		t.Fatalf("POST run = %d %s; want 202 with run 2 running", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if loc != "/api/v1/deployments/hs/runs/2" {
		t.Fatalf("Location = %q", loc)
	}
	done := follow(loc, func(r license.RunView) bool { return r.Result != "running" })
	if done.Result != "success" || done.Added != 5 {
		t.Fatalf("the run after the client left = %+v; want a success adding 5", done)
	}
	p.stop(t, 30*time.Second)
}
