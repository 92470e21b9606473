package pgstate_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testDatabase creates an empty database of its own on the cluster named
// by ROLLCALL_TEST_POSTGRES_URL (a superuser URL to a throwaway cluster;
// scripts/test.sh starts one) and drops it when the test ends; it returns
// the database's URL. Without the variable the test is skipped, unless CI
// is set: there a missing PostgreSQL is a failure.
func testDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("ROLLCALL_TEST_POSTGRES_URL")
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ROLLCALL_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests (scripts/test.sh starts a cluster)")
		}
		t.Skip("ROLLCALL_TEST_POSTGRES_URL is not set; run scripts/test.sh, or source scripts/test.d/postgres.sh")
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("ROLLCALL_TEST_POSTGRES_URL: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rc_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to the test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// databases gives each directory the conformance suite opens its own
// database, the same one again when it reopens the directory.
type databases struct {
	mu   sync.Mutex
	urls map[string]string
}

func (d *databases) url(t *testing.T, dir string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.urls == nil {
		d.urls = map[string]string{}
	}
	if u, ok := d.urls[dir]; ok {
		return u
	}
	u := testDatabase(t)
	d.urls[dir] = u
	return u
}
