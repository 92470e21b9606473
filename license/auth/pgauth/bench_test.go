package pgauth_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/auth/authtest"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth/pgauthtest"
)

// BenchmarkPostgres: with ROLLCALL_TEST_POSTGRES_URL set (source
// scripts/test.d/postgres.sh),
// go test -run '^$' -bench . ./license/auth/pgauth/
// Compare each figure with BenchmarkFloor, one round trip to the server.
func BenchmarkPostgres(b *testing.B) {
	authtest.Benchmark(b, func(b *testing.B) auth.Storage {
		ctx := context.Background()
		st, err := pgauth.OpenStorage(ctx, pgauthtest.NewDatabase(b), auth.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return st
	})
}

// BenchmarkFloor is one SELECT 1 through a pool: the round trip every
// backend call pays at least.
func BenchmarkFloor(b *testing.B) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgauthtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	var one int
	for b.Loop() {
		if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
			b.Fatal(one, err)
		}
	}
}
