package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var (
	demoMetricsRe = regexp.MustCompile(`metrics:\s+http://(\S+)/metrics`)
	demoPeopleRe  = regexp.MustCompile(`(\d+) people active in /Students and /Staff`)
)

// TestDemo runs `rollcall demo` as a process, as a newcomer would, waits for
// the first sync and checks the license's member count and the metrics
// against the district the demo reports, then stops it with SIGTERM.
func TestDemo(t *testing.T) {
	e := newEnv(t)
	p := e.startProc("demo", "--listen", "127.0.0.1:0", "--people", "600", "--interval", "2s", "--churn", "3")
	people, _ := strconv.Atoi(p.waitLine(t, demoPeopleRe, 60*time.Second)[1])
	b := struct {
		addr   string
		people int
	}{p.waitLine(t, demoMetricsRe, 10*time.Second)[1], people}
	stderr := p.stderr
	if b.people < 500 {
		t.Fatalf("demo reports %d active people for a district of 600", b.people)
	}
	// The first sync ran before the banner: the license holds exactly the
	// active people of /Students and /Staff the fake reports.
	m := scrape(t, "http://"+b.addr+"/metrics")
	if v, ok := m.value("rollcall_license_seats_used", "license", demoLicense); !ok || int(v) != b.people {
		t.Fatalf("seats used = %v (present %v), want %d; stderr:\n%s", v, ok, b.people, stderr.String())
	}
	if v, ok := m.value("rollcall_upstream_requests_total", "code", "200"); !ok || v < 2 {
		t.Fatalf("upstream requests = %v, want the first sync's pages", v)
	}
	// Scheduled syncs keep running while the fake churns.
	deadline := time.Now().Add(30 * time.Second)
	for {
		m = scrape(t, "http://"+b.addr+"/metrics")
		if v, _ := m.value("rollcall_sync_runs_total", "result", "success"); v >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scheduled sync after the first; stderr:\n%s", stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop(t, 30*time.Second)
	// The demo's state is in its own folder, not the data directory's store.
	if _, err := os.Stat(e.dataDir + "/rollcall.db"); err == nil {
		t.Fatal("the demo wrote the real license store")
	}
	if fi, err := os.Stat(e.dataDir + "/demo/google-service-account.json"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("demo key file: %v, mode %v; want 0600", err, fi)
	}
}
