package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/config"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// syncStateTestDatabase creates a database of its own on the cluster of
// ROLLCALL_TEST_POSTGRES_URL and drops it after the test; skipped without
// the variable, failed when CI is set.
func syncStateTestDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("ROLLCALL_TEST_POSTGRES_URL")
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ROLLCALL_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests")
		}
		t.Skip("ROLLCALL_TEST_POSTGRES_URL is not set; run scripts/test.sh")
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("ROLLCALL_TEST_POSTGRES_URL: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rc_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// TestSyncStateFollowsPostgresStore: migrate --from-bolt copies the sync
// state with the store, and with store.driver postgres runs are recorded
// in the database's syncstate_ tables, where every process on the
// database reads them, going on from the copied IDs; syncstate.db is
// neither read nor written any more.
func TestSyncStateFollowsPostgresStore(t *testing.T) {
	dbURL := syncStateTestDatabase(t)
	t.Setenv("ROLLCALL_TEST_SYNCSTATE_URL", dbURL)
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "hs", "--name", "High school", "--type", "school", "--seats", "10")
	roster := e.write("people.csv", "email,name\nann@hs.example.org,Ann\nbob@hs.example.org,Bob\n")
	deployment := fmt.Sprintf("connectors:\n  - name: roster\n    type: static\n    settings: {path: %q}\ndeployments:\n  - name: all\n    connector: roster\n    license: hs\n", roster)
	boltCfg := e.write("bolt.yaml", deployment)
	pgCfg := e.write("pg.yaml", "store:\n  driver: postgres\n  url: ${ROLLCALL_TEST_SYNCSTATE_URL}\n"+deployment)
	e.ok("", "sync", "all", "--config", boltCfg) // run 1 in syncstate.db
	backup := filepath.Join(t.TempDir(), "backup")
	e.ok("", "backup", "--out", backup)
	var mig migrateOutput
	e.jsonOK(&mig, "", "migrate", "--from-bolt", backup, "--to", dbURL)
	if mig.SyncState == nil || mig.SyncState.Runs != 1 || mig.SyncState.Deployments != 1 {
		t.Fatalf("migrate --from-bolt copied sync state %+v; want the one run of deployment all", mig.SyncState)
	}

	e.ok("", "sync", "all", "--config", pgCfg)
	e.ok("", "sync", "all", "--config", pgCfg)
	var runs []syncstate.Run
	e.jsonOK(&runs, "", "runs", "all", "--config", pgCfg)
	if len(runs) != 3 || runs[0].ID != 3 || runs[2].ID != 1 || runs[0].Result != syncstate.ResultSuccess || runs[0].Counts.Desired != 2 {
		t.Fatalf("runs on PostgreSQL = %+v; want 3, 2 and the copied 1, successes", runs)
	}

	ctx := t.Context()
	ps, err := pgstate.Open(ctx, dbURL, pgstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	last, ok, err := ps.LastSuccess(ctx, "all")
	if err != nil || !ok || last.ID != 3 || last.Counts.Desired != 2 {
		t.Fatalf("last success in the database = %+v, %v, %v; want run 3 of 2 people", last, ok, err)
	}
	bs, err := syncstate.Open(filepath.Join(e.dataDir, config.DefaultSyncStateFile), syncstate.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	if br, _ := bs.Runs(ctx, "all", 0); len(br) != 1 {
		t.Fatalf("syncstate.db has %d runs; want only the bbolt sync's one", len(br))
	}

	a := &app{stdout: io.Discard, stderr: io.Discard, dataDir: e.dataDir, logger: slog.New(slog.DiscardHandler), now: time.Now}
	cfg, err := a.loadConfig(pgCfg)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := a.openRuntimeFrom(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, ok := rt.state.(*pgstate.State); !ok {
		t.Fatalf("the runtime's sync state is %T, want the PostgreSQL one", rt.state)
	}
	if _, ok := backupSources(rt)["syncstate"]; ok {
		t.Error("the admin socket offers a file backup of sync state kept in PostgreSQL")
	}
}
