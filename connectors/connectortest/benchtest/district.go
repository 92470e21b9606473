package benchtest

import (
	"os"
	"strconv"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// DefaultEnrollments is the district size when ROLLCALL_BENCH_ENROLLMENTS
// is unset: a large district.
const DefaultEnrollments = 200_000

// Enrollments is the district size asked for: ROLLCALL_BENCH_ENROLLMENTS,
// at least 100, default DefaultEnrollments.
func Enrollments(b testing.TB) int {
	b.Helper()
	v := os.Getenv("ROLLCALL_BENCH_ENROLLMENTS")
	if v == "" {
		return DefaultEnrollments
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 {
		b.Fatalf("ROLLCALL_BENCH_ENROLLMENTS=%q: want a number of at least 100", v)
	}
	return n
}

// Roster is a generated district of about Enrollments(b) enrollments in
// units of about 30: roughly 1.9 enrollments a person.
func Roster(b testing.TB) connectortest.Roster {
	b.Helper()
	n := Enrollments(b)
	return connectortest.GenerateRoster(1, n*10/19, n/30)
}
