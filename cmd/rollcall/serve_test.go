package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// syncEnv is an env with a license and a static roster deployment.
func syncEnv(t *testing.T, students, teachers int) (*env, string, string) {
	t.Helper()
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "hs", "--name", "High School", "--type", "school", "--seats", "500")
	roster := e.write("people.csv", rosterCSV(students, teachers))
	cfg := e.write("rollcall.yaml", fmt.Sprintf(`log: {format: json, level: info}
sync: {shutdown_timeout: 20s}
connectors:
  - name: roster
    type: static
    schedule: "@every 1h"
    settings: {path: %q}
deployments:
  - name: hs
    connector: roster
    license: hs
    units: ["/Students", "/Staff"]
    roles: {"/Staff": teacher}
`, roster))
	return e, cfg, roster
}

func rosterCSV(students, teachers int) string {
	var b strings.Builder
	b.WriteString("email,name,org_unit\n")
	for i := range students {
		fmt.Fprintf(&b, "s%03d@district.example.org,Student %d,/Students/Grade 9\n", i, i)
	}
	for i := range teachers {
		fmt.Fprintf(&b, "t%03d@district.example.org,Teacher %d,/Staff\n", i, i)
	}
	return b.String()
}

func TestSyncCommands(t *testing.T) {
	e, cfg, roster := syncEnv(t, 40, 3)
	dry := e.ok("", "sync", "hs", "--config", cfg, "--dry-run")
	if !strings.Contains(dry.stdout, "add 43") {
		t.Fatalf("dry run should plan 43 adds:\n%s", dry)
	}
	var members struct{ Members []struct{ Email string } }
	e.jsonOK(&members, "", "members", "list", "--license", "hs")
	if len(members.Members) != 0 {
		t.Fatalf("dry run changed the store: %d members", len(members.Members))
	}
	e.ok("", "sync", "hs", "--config", cfg)
	var runs []struct {
		Result string
		Counts struct{ Added, Removed, HeldRemovals int } `json:"counts"`
	}
	e.jsonOK(&runs, "", "runs", "hs", "--config", cfg)
	if len(runs) != 1 || runs[0].Result != "success" || runs[0].Counts.Added != 43 {
		t.Fatalf("runs = %+v, want one success adding 43", runs)
	}

	// 25 students leave: more than the deletion limit of 20, so held.
	if err := os.WriteFile(roster, []byte(rosterCSV(15, 3)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok("", "sync", "hs", "--config", cfg)
	var plans []struct {
		ID       string `json:"id"`
		Removals int    `json:"removals"`
	}
	e.jsonOK(&plans, "", "plans", "list", "--config", cfg)
	if len(plans) != 1 || plans[0].Removals != 25 {
		t.Fatalf("plans = %+v, want one holding 25 removals", plans)
	}
	show := e.ok("", "plans", "show", plans[0].ID, "--config", cfg)
	if !strings.Contains(show.stdout, "s039@district.example.org") {
		t.Fatalf("plan show should list the held removals:\n%s", show)
	}
	e.ok("", "plans", "approve", plans[0].ID, "--config", cfg)
	e.jsonOK(&members, "", "members", "list", "--license", "hs", "--limit", "1000")
	if len(members.Members) != 18 {
		t.Fatalf("members after approval = %d, want 18", len(members.Members))
	}
	hist := e.ok("", "members", "history", "--license", "hs", "s039@district.example.org")
	if !strings.Contains(hist.stdout, "approved by cli:tester") {
		t.Fatalf("history should name the approver:\n%s", hist)
	}
	e.fail(1, "", "plans", "approve", plans[0].ID, "--config", cfg)
	bad := e.fail(1, "", "sync", "nope", "--config", cfg)
	if !strings.Contains(bad.stderr, `deployment "nope"`) {
		t.Fatalf("unknown deployment error should name it:\n%s", bad)
	}
}

func TestConfigCommands(t *testing.T) {
	e, cfg, _ := syncEnv(t, 1, 1)
	r := e.ok("", "config", "check", cfg)
	if !strings.Contains(r.stdout, "OK (1 connectors, 1 deployments)") {
		t.Fatalf("config check:\n%s", r)
	}
	bad := e.write("bad.yaml", "connectors:\n  - name: roster\n    type: static\n    settings: {path: x.csv, colour: blue}\n")
	r = e.fail(1, "", "config", "check", bad)
	if !strings.Contains(r.stderr, "bad.yaml:4") || !strings.Contains(r.stderr, "colour") {
		t.Fatalf("config check should name file, line and field:\n%s", r)
	}
	ex := e.write("example.yaml", e.ok("", "config", "example").stdout)
	r = e.ok("", "config", "show", ex)
	if !strings.Contains(r.stdout, "connectors:") {
		t.Fatalf("config show:\n%s", r)
	}
}

var servingRe = regexp.MustCompile(`serving on http://(\S+) `)

// TestServeScrapeAndSIGTERM starts `rollcall serve` as a process, waits for
// its catch-up sync, scrapes /metrics over HTTP, and checks that SIGTERM
// ends it cleanly.
func TestServeScrapeAndSIGTERM(t *testing.T) {
	e, cfg, _ := syncEnv(t, 30, 2)
	p := e.startProc("serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.waitLine(t, servingRe, 30*time.Second)[1]
	stderr := p.stderr
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+path); code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, code, body)
		}
	}
	// The deployment never ran, so it runs at start-up; wait for it.
	var families metricFamilies
	deadline := time.Now().Add(30 * time.Second)
	for {
		families = scrape(t, base+"/metrics")
		if v, ok := families.value("rollcall_sync_runs_total", "result", "success"); ok && v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no successful run reported in /metrics; stderr:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"rollcall_license_seats_used", "license", "hs", 32},
		{"rollcall_license_seats", "license", "hs", 500},
		{"rollcall_sync_desired_members", "deployment", "hs", 32},
		{"rollcall_sync_changes_total", "action", "add", 32},
		{"rollcall_sync_interval_seconds", "deployment", "hs", 3600},
	} {
		if v, ok := families.value(c.name, c.label, c.value); !ok || v != c.want {
			t.Errorf("%s{%s=%q} = %v (present %v), want %v", c.name, c.label, c.value, v, ok, c.want)
		}
	}

	p.stop(t, 30*time.Second)
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Fatalf("serve should log a clean stop; stderr:\n%s", stderr.String())
	}
	// The store is closed and consistent: the CLI can open it at once.
	e.ok("", "check")
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricFamilies is a parsed scrape.
type metricFamilies map[string]*dto.MetricFamily

// value returns the first sample of name whose label has value (counters
// and gauges alike).
func (f metricFamilies) value(name, label, value string) (float64, bool) {
	mf, ok := f[name]
	if !ok {
		return 0, false
	}
	for _, m := range mf.Metric {
		for _, l := range m.Label {
			if l.GetName() == label && l.GetValue() == value {
				return m.GetGauge().GetValue() + m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

func scrape(t *testing.T, url string) metricFamilies {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d", url, code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return mfs
}

// syncBuffer is a bytes.Buffer a child process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
