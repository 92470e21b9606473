package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

var (
	demoStepRe        = regexp.MustCompile(`^demo: generating a school district of \d+ people`)
	demoFirstSyncRe   = regexp.MustCompile(`^demo: first sync: success, \d+ people in the directory, 0 added`)
	demoChurnBannerRe = regexp.MustCompile(`up to (\d+) in the district and up to (\d+) in the LMS each time`)
	demoChurnLogRe    = regexp.MustCompile(`msg="demo fakes changed" district=(\d+) lms=(\d+)`)
	demoMetricsRe     = regexp.MustCompile(`metrics:\s+http://(\S+)/metrics`)
	demoPeopleRe      = regexp.MustCompile(`(\d+) people active in /Students and /Staff`)
)

// TestDemo runs `rollcall demo` as a process, as a newcomer would, waits for
// the first sync and checks the license's member count and the metrics
// against the district the demo reports, then stops it with SIGTERM.
func TestDemo(t *testing.T) {
	e := newEnv(t)
	p := e.startProc("demo", "--listen", "127.0.0.1:0", "--people", "600", "--interval", "2s", "--churn", "3")
	// The cold start says what it is doing, step by step, before the banner.
	p.waitLine(t, demoStepRe, 30*time.Second)
	p.waitLine(t, demoFirstSyncRe, 60*time.Second)
	people, _ := strconv.Atoi(p.waitLine(t, demoPeopleRe, 60*time.Second)[1])
	b := struct {
		addr   string
		people int
	}{p.waitLine(t, demoMetricsRe, 10*time.Second)[1], people}
	if m := p.waitLine(t, demoChurnBannerRe, 10*time.Second); m[1] != "3" || m[2] != "3" {
		t.Fatalf("the banner says %s and %s people change each interval; --churn is 3", m[1], m[2])
	}
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
	// The log counts what the banner promised: each fake changes at most --churn.
	deadline = time.Now().Add(30 * time.Second)
	for !demoChurnLogRe.MatchString(stderr.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no churn in the log; stderr:\n%s", stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, m := range demoChurnLogRe.FindAllStringSubmatch(stderr.String(), -1) {
		if d, _ := strconv.Atoi(m[1]); d > 3 {
			t.Fatalf("the log says the district changed %d people; the banner promised at most 3", d)
		}
		if l, _ := strconv.Atoi(m[2]); l > 3 {
			t.Fatalf("the log says the LMS changed %d people; the banner promised at most 3", l)
		}
	}
	p.stop(t, 30*time.Second)
	// The demo went on syncing while its fake district churned: the
	// license may have moved from the first sync's count by at most the
	// people the district changed.
	drift := 0
	for _, m := range demoChurnLogRe.FindAllStringSubmatch(stderr.String(), -1) {
		d, _ := strconv.Atoi(m[1])
		drift += d
	}
	checkDemoHistory(t, e.dataDir+"/demo", b.people, drift)
	// The demo's state is in its own folder, not the data directory's store.
	if _, err := os.Stat(e.dataDir + "/rollcall.db"); err == nil {
		t.Fatal("the demo wrote the real license store")
	}
	if fi, err := os.Stat(e.dataDir + "/demo/google-service-account.json"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("demo key file: %v, mode %v; want 0600", err, fi)
	}
}

// checkDemoHistory opens the demo's store: the district license has a
// school year of generated history, labelled as such, that ends at the
// people of the directory, and sync runs for every history day.
func checkDemoHistory(t *testing.T, dir string, people, drift int) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := st.GetLicense(ctx, demoLicense)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events(ctx, demoLicense, license.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]bool{}
	var removed int
	for _, ev := range evs {
		if ev.Actor != demoHistoryActor {
			continue
		}
		days[ev.Time.Format(time.DateOnly)] = true
		if ev.Action == license.ActionMemberRemoved {
			removed++
		}
	}
	first := demoHistoryStart(time.Now().UTC())
	earliest := ""
	for d := range days {
		if earliest == "" || d < earliest {
			earliest = d
		}
	}
	if len(days) < 60 || removed == 0 || earliest > first.AddDate(0, 0, 10).Format(time.DateOnly) {
		t.Fatalf("generated history: %d days from %s, %d removals; want a school year from %s with leavers", len(days), earliest, removed, first.Format(time.DateOnly))
	}
	if l.Created.After(first) || l.Used < people-drift || l.Used > people+drift {
		t.Fatalf("license created %s with %d members; want before %s and %d (± the %d people the fake changed since)", l.Created, l.Used, first, people, drift)
	}
	ss, err := syncstate.Open(filepath.Join(dir, "syncstate.db"), syncstate.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	deps, err := ss.Deployments(ctx)
	if err != nil || len(deps) == 0 {
		t.Fatalf("deployments %v, %v", deps, err)
	}
	var runs []syncstate.Run
	for _, d := range deps {
		if d.License == demoLicense {
			runs, _ = ss.Runs(ctx, d.Name, 1000)
		}
	}
	if len(runs) < len(days) {
		t.Fatalf("%d runs recorded for %d days of history", len(runs), len(days))
	}
}
