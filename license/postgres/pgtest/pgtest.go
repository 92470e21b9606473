// Package pgtest gives tests a PostgreSQL database of their own on the
// throwaway cluster that scripts/test.sh starts (ROLLCALL_TEST_POSTGRES_URL,
// a superuser URL). Each database is created for one test and dropped when
// it ends, so tests run in parallel without seeing each other's data.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points tests at the cluster.
const EnvURL = "ROLLCALL_TEST_POSTGRES_URL"

// ServerURL returns the cluster's URL; without one the test is skipped,
// or fails when CI is set (CI must run the PostgreSQL tests).
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI runs the PostgreSQL tests (scripts/test.sh starts a cluster)", EnvURL)
		}
		t.Skipf("%s is not set: run through scripts/test.sh for the PostgreSQL tests", EnvURL)
	}
	return u
}

// NewDatabase creates an empty database rc_<random> for this test and
// returns its URL; the database is dropped at the test's cleanup.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, drop, err := CreateDatabase(ctx, ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return u
}

// CreateDatabase creates an empty database rc_<random> on the cluster at
// server and returns its URL and a function that drops it, for fixtures
// that outlive one test (benchmarks build them once per binary).
func CreateDatabase(ctx context.Context, server string) (string, func() error, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rc_" + hex.EncodeToString(b[:])
	su, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("%s is not a URL", EnvURL)
	}
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, fmt.Errorf("connect to the test cluster: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return fmt.Errorf("connect to drop database %s: %w", name, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	su.Path = "/" + name
	return su.String(), drop, nil
}
