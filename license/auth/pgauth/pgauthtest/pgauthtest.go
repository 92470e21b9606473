// Package pgauthtest gives a test a PostgreSQL database of its own on the
// throwaway cluster scripts/test.sh starts (ROLLCALL_TEST_POSTGRES_URL, a
// superuser URL): created with a random name, dropped at the test's
// cleanup. Without the variable a test is skipped, or fails under CI.
package pgauthtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points tests at the cluster.
const EnvURL = "ROLLCALL_TEST_POSTGRES_URL"

// ServerURL returns the cluster's superuser URL, or skips the test (fails
// it when CI is set: CI must run the PostgreSQL tests).
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI runs the PostgreSQL tests (scripts/test.sh starts a cluster)", EnvURL)
		}
		t.Skipf("%s is not set: run scripts/test.sh, or source scripts/test.d/postgres.sh, for the PostgreSQL tests", EnvURL)
	}
	return u
}

// NewDatabase creates an empty database for this test and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "rcauth_" + hex.EncodeToString(b[:])
	admin(t, server, `CREATE DATABASE `+name)
	t.Cleanup(func() { admin(t, server, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	u.Path = "/" + name
	return u.String()
}

// admin runs one statement on the cluster's maintenance database.
func admin(t testing.TB, server, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to the test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
