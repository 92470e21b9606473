// Package benchtest owns the benchmarks every HTTP connector runs against
// its fake the same way, so that their figures compare: the district size
// (ROLLCALL_BENCH_ENROLLMENTS), the fetch floor (Fetch: pages read and
// decoded, no store), a first sync into a fresh bbolt store (Sync:
// Collect, Build, Apply) and a steady-state resync of an unchanged
// district (Resync), each reporting the same metrics: enrollments,
// pages/op, cpu-s/op (client and fake together: steadier than wall time
// on a shared machine) and the process's peak RSS.
//
// A connector package serves a district from its fake, opens the
// connector on it, and calls these from its bench_test.go:
//
//	func BenchmarkFetch(b *testing.B) { benchtest.Fetch(b, target(b)) }
//
// Sync and Resync are read against Fetch, measured in the same run:
//
//	go test -run '^$' -bench . -benchtime 3x ./connectors/<vendor>/
package benchtest
