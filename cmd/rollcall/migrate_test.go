package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth"
	"github.com/rollcall-sync/rollcall/license/postgres"
	"github.com/rollcall-sync/rollcall/license/postgres/pgtest"
)

// TestMigrateFromBoltThenSyncOnPostgres walks the documented move: sync
// on bbolt, back up, "rollcall migrate" the backup into PostgreSQL, point
// the config at it (store.driver postgres, url from the environment) and
// sync again: the copy carries every member with its history, and the
// next sync applies to PostgreSQL only.
func TestMigrateFromBoltThenSyncOnPostgres(t *testing.T) {
	raw := pgtest.NewDatabase(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	const pw = "s3cret-pw-never-shown" // the test cluster trusts loopback: any password passes
	u.User = url.UserPassword(u.User.Username(), pw)
	dbURL := u.String()
	t.Setenv("ROLLCALL_TEST_STORE_URL", dbURL)

	e := newEnv(t)
	e.ok("", "license", "create", "--id", "hs", "--name", "High school", "--type", "school", "--seats", "10")
	roster := e.write("people.csv", "email,name,org_unit\nann@hs.example.org,Ann,/Students\nbob@hs.example.org,Bob,/Students\ncy@hs.example.org,Cy,/Staff\n")
	deployment := fmt.Sprintf(`connectors:
  - name: roster
    type: static
    settings: {path: %q}
deployments:
  - name: all
    connector: roster
    license: hs
`, roster)
	boltCfg := e.write("bolt.yaml", deployment)
	pgCfg := e.write("pg.yaml", "store:\n  driver: postgres\n  url: ${ROLLCALL_TEST_STORE_URL}\n"+deployment)
	e.ok("", "sync", "all", "--config", boltCfg)
	token := tokenOf(t, e.ok("", "token", "create", "--email", "op@hs.example.org", "--role", "operator").stdout)
	backup := filepath.Join(t.TempDir(), "backup")
	e.ok("", "backup", "--out", backup)

	first := e.ok("", "migrate", "--to", dbURL)
	if !strings.Contains(first.stdout, "(now)") || !strings.Contains(first.stdout, "init") ||
		!strings.Contains(first.stdout, fmt.Sprintf("sync state tables: schema %d; auth tables: schema %d", pgstate.SchemaVersion(), pgauth.SchemaVersion())) {
		t.Fatalf("first migrate did not report applying schema 1:\n%s", first)
	}
	if again := e.ok("", "migrate", "--config", pgCfg); strings.Contains(again.stdout, "(now)") {
		t.Fatalf("a second migrate applied something:\n%s", again)
	}
	var out migrateOutput
	e.jsonOK(&out, "", "migrate", "--from-bolt", backup, "--to", dbURL)
	if out.Import == nil || out.Import.Licenses != 1 || out.Import.Members != 3 || len(out.Versions) == 0 || len(out.Applied) != 0 ||
		out.Tokens == nil || *out.Tokens != 1 {
		t.Fatalf("migrate --from-bolt --json = %+v", out)
	}
	refused := e.run("", "migrate", "--from-bolt", backup, "--to", dbURL)
	if refused.code == 0 || !strings.Contains(refused.stderr, "already holds licenses") {
		t.Fatalf("a second copy into the same database was not refused:\n%s", refused)
	}
	bad := e.run("", "migrate", "--config", boltCfg)
	if bad.code == 0 || !strings.Contains(bad.stderr, "--to postgres://") {
		t.Fatalf("migrate without a database did not say how to name one:\n%s", bad)
	}
	for _, r := range []result{first, refused, bad} {
		if strings.Contains(r.stdout+r.stderr, pw) {
			t.Fatalf("the database password was printed:\n%s", r)
		}
	}

	ctx := context.Background()
	bs := openTestStore(t, e)
	before, err := bs.Member(ctx, "hs", "ann@hs.example.org")
	bs.Close()
	if err != nil {
		t.Fatal(err)
	}

	// Bob leaves, Dee joins; the sync runs against PostgreSQL.
	if err := os.WriteFile(roster, []byte("email,name,org_unit\nann@hs.example.org,Ann,/Students\ncy@hs.example.org,Cy,/Staff\ndee@hs.example.org,Dee,/Students\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.ok("", "sync", "all", "--config", pgCfg)
	if strings.Contains(r.stdout+r.stderr, pw) {
		t.Fatalf("sync printed the database password:\n%s", r)
	}
	ps, err := postgres.Open(ctx, dbURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	page, err := ps.ListMembers(ctx, "hs", license.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range page.Members {
		got = append(got, m.Email)
	}
	if want := []string{"ann@hs.example.org", "cy@hs.example.org", "dee@hs.example.org"}; !slices.Equal(got, want) {
		t.Fatalf("members on PostgreSQL after the sync = %v, want %v", got, want)
	}
	after, err := ps.Member(ctx, "hs", "ann@hs.example.org")
	if err != nil || !after.Added.Equal(before.Added) || len(after.Claims) != 1 || !after.Claims[0].FirstSeen.Equal(before.Claims[0].FirstSeen) {
		t.Fatalf("ann on PostgreSQL = %+v, %v; want her bbolt history kept (%+v)", after, err, before)
	}
	evs, err := ps.Events(ctx, "hs", license.EventQuery{Email: "bob@hs.example.org"})
	if err != nil || len(evs) != 2 || evs[0].Action != license.ActionMemberAdded || evs[1].Action != license.ActionMemberRemoved {
		t.Fatalf("bob's trail on PostgreSQL = %+v, %v; want added (copied) then removed (synced)", evs, err)
	}
	// The bbolt file is left as it was.
	bs = openTestStore(t, e)
	if _, err := bs.Member(ctx, "hs", "bob@hs.example.org"); err != nil {
		t.Fatalf("the sync on PostgreSQL changed the bbolt store: %v", err)
	}
	bs.Close()

	// serve runs on PostgreSQL too: ready, and its metrics count the
	// members the database holds.
	p := e.startProc("serve", "--config", pgCfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.waitLine(t, servingRe, 30*time.Second)[1]
	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("GET /readyz on PostgreSQL = %d %s", code, body)
	}
	if v, ok := scrape(t, base+"/metrics").value("rollcall_license_seats_used", "license", "hs"); !ok || v != 3 {
		t.Errorf("rollcall_license_seats_used{license=hs} = %v (present %v), want 3", v, ok)
	}
	// The API token made on bbolt was copied: it works against PostgreSQL.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/licenses", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"hs"`) {
		t.Errorf("GET /api/v1/licenses with the copied token = %d %s", resp.StatusCode, body)
	}
	p.stop(t, 30*time.Second)
	if strings.Contains(p.stderr.String(), pw) {
		t.Fatalf("serve logged the database password:\n%s", p.stderr.String())
	}
}
