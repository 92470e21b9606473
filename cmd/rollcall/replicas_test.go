package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/postgres"
)

// replicaConfig is a postgres-mode config whose one deployment syncs
// people members one change per transaction, so a sync lasts seconds.
func replicaConfig(roster, urlVar string, period time.Duration) string {
	return fmt.Sprintf(`log: {format: json, level: info}
store:
  driver: postgres
  url: ${%s}
sync: {batch_size: 1, jitter: 0s, shutdown_timeout: 5s}
connectors:
  - name: roster
    type: static
    schedule: "@every %s"
    settings: {path: %q}
deployments:
  - name: hs
    connector: roster
    license: hs
    units: ["/Students", "/Staff"]
    roles: {"/Staff": teacher}
`, urlVar, period, roster)
}

// holderPID is the process ID inside a replica ID (host-pid-random).
var holderPID = regexp.MustCompile(`-(\d+)-[0-9a-f]{8}$`)

// TestReplicasTakeOverAKilledReplica: three rollcall serve processes on
// one database share the deployment: one runs it; killed with SIGKILL
// mid-sync, another takes its lease over within one schedule period,
// records the cut-short run as interrupted and finishes the sync. No
// member is added twice, and the members equal a single-process sync's.
func TestReplicasTakeOverAKilledReplica(t *testing.T) {
	const (
		people = 1500
		period = 6 * time.Second
	)
	dbURL := syncStateTestDatabase(t)
	soloURL := syncStateTestDatabase(t)
	t.Setenv("ROLLCALL_TEST_REPLICA_URL", dbURL)
	t.Setenv("ROLLCALL_TEST_SOLO_URL", soloURL)
	e := newEnv(t)
	roster := e.write("people.csv", rosterCSV(people-20, 20))
	cfg := e.write("replicas.yaml", replicaConfig(roster, "ROLLCALL_TEST_REPLICA_URL", period))
	solo := e.write("solo.yaml", replicaConfig(roster, "ROLLCALL_TEST_SOLO_URL", period))
	ctx := t.Context()
	for _, u := range []string{dbURL, soloURL} {
		st, err := postgres.Open(ctx, u, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.CreateLicense(ctx, license.License{ID: "hs", Name: "High school", Type: license.TypeSchool, Seats: 5000})
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	lease := func() (holder string, token int64) {
		err := db.QueryRow(ctx, `SELECT holder, token FROM syncstate_leases WHERE deployment = 'hs' AND expires_at > clock_timestamp()`).Scan(&holder, &token)
		if err != nil && err != pgx.ErrNoRows {
			t.Fatalf("read lease: %v", err)
		}
		return holder, token
	}
	count := func(sql string) int {
		var n int
		if err := db.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}

	started := time.Now()
	procs := map[int]*proc{}
	bases := map[int]string{}
	for range 3 {
		p := newEnv(t).startProc("serve", "--config", cfg, "--listen", "127.0.0.1:0")
		bases[p.cmd.Process.Pid] = "http://" + p.waitLine(t, servingRe, 30*time.Second)[1]
		procs[p.cmd.Process.Pid] = p
	}

	// The deployment never ran, so every replica tries it at start-up;
	// one gets the lease. Kill that one once it has applied some.
	var holder string
	var token int64
	deadline := time.Now().Add(60 * time.Second)
	for {
		holder, token = lease()
		if holder != "" && count(`SELECT count(*) FROM members WHERE license_id = 'hs'`) >= 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replica took the lease and applied 100 members within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := holderPID.FindStringSubmatch(holder)
	if m == nil {
		t.Fatalf("lease holder %q does not name a process ID", holder)
	}
	pid, _ := strconv.Atoi(m[1])
	victim, ok := procs[pid]
	if !ok {
		t.Fatalf("lease holder %q is none of the replicas %v", holder, slices.Collect(maps.Keys(procs)))
	}
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-victim.done
	applied := count(`SELECT count(*) FROM members WHERE license_id = 'hs'`)
	if applied >= people {
		t.Fatalf("the sync ended (%d members) before the kill: make it longer", applied)
	}

	// Another replica takes over within one period.
	var next string
	var nextToken int64
	for {
		next, nextToken = lease()
		if next != "" && next != holder {
			break
		}
		if time.Since(killed) > 3*period {
			t.Fatalf("no replica took over the lease of killed %s within %s", holder, 3*period)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(killed)
	t.Logf("killed %s after %d of %d members; %s took over %s later (token %d → %d)", holder, applied, people, next, took.Round(time.Millisecond), token, nextToken)
	if took > period+time.Second {
		t.Errorf("takeover took %s; want within one schedule period (%s)", took, period)
	}
	if nextToken <= token {
		t.Errorf("the new lease's token %d is not above the killed holder's %d", nextToken, token)
	}

	// The sync finishes under the new holder.
	deadline = time.Now().Add(120 * time.Second)
	for count(`SELECT count(*) FROM syncstate_runs WHERE deployment = 'hs' AND result = 'success'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no successful run within 120s of the takeover")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := count(`SELECT count(*) FROM syncstate_runs WHERE deployment = 'hs' AND result = 'interrupted'`); n != 1 {
		t.Errorf("%d interrupted runs; want the killed replica's one", n)
	}
	// Replicas without the lease record nothing. The one running it
	// records, as a single process does, a firing that came while its
	// own run still went on: at most one a period.
	rows, err := db.Query(ctx, `SELECT coalesce(record::json->>'reason', '') FROM syncstate_runs WHERE deployment = 'hs' AND result = 'skipped'`)
	if err != nil {
		t.Fatal(err)
	}
	skipped, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if most := int(time.Since(started)/period) + 1; len(skipped) > most {
		t.Errorf("%d skipped runs in %s: %q; want at most %d (one replica's overlapping firings)", len(skipped), time.Since(started).Round(time.Second), skipped, most)
	}
	for _, r := range skipped {
		if !strings.Contains(r, "still in progress") {
			t.Errorf("skipped run recorded: %q", r)
		}
	}
	// Nothing applied twice: one member.added per person, nothing else.
	if n := count(`SELECT count(*) FROM (SELECT email FROM events WHERE license_id = 'hs' AND action = 'member.added' GROUP BY email HAVING count(*) <> 1) x`); n != 0 {
		t.Errorf("%d members have more than one add event", n)
	}
	if n := count(`SELECT count(DISTINCT email) FROM events WHERE license_id = 'hs' AND action = 'member.added'`); n != people {
		t.Errorf("%d members added; want %d", n, people)
	}
	if n := count(`SELECT count(*) FROM events WHERE license_id = 'hs' AND email <> '' AND action <> 'member.added'`); n != 0 {
		t.Errorf("%d audit events other than adds", n)
	}

	// The same sync by one process on a database of its own.
	e.ok("", "sync", "hs", "--config", solo)
	members := func(url string) []string {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.WithoutCancel(ctx))
		rows, err := c.Query(ctx, `SELECT email || ' ' || name || ' ' || role || ' ' || org_unit || ' ' || revoked::text FROM members WHERE license_id = 'hs' ORDER BY email`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got, want := members(dbURL), members(soloURL)
	if len(want) != people || !slices.Equal(got, want) {
		t.Errorf("members after failover (%d) differ from a single replica's (%d)", len(got), len(want))
	}

	// The survivors are ready, and the new holder names itself in its metrics.
	for p, base := range bases {
		if p == pid {
			continue
		}
		if code, body := get(t, base+"/readyz"); code != http.StatusOK {
			t.Errorf("GET %s/readyz = %d %s", base, code, body)
		}
	}
	m = holderPID.FindStringSubmatch(next)
	if m == nil {
		t.Fatalf("lease holder %q does not name a process ID", next)
	}
	nextPID, _ := strconv.Atoi(m[1])
	base, ok := bases[nextPID]
	if !ok || nextPID == pid {
		t.Fatalf("new lease holder %q is none of the surviving replicas", next)
	}
	if v, ok := scrape(t, base+"/metrics").value("rollcall_replica_info", "replica", next); !ok || v != 1 {
		t.Errorf("%s: rollcall_replica_info{replica=%q} = %v (present %v), want 1", base, next, v, ok)
	}
}
