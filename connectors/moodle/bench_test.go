package moodle

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest/benchtest"
)

// benchTarget is a site of about ROLLCALL_BENCH_ENROLLMENTS enrollments
// (default 200,000) in courses of about 30, served by the fake on
// loopback without its fidelity recorder, the connector at its default
// page size; the whole of it selected by its category.
func benchTarget(b *testing.B) benchtest.Target {
	s := site(benchtest.Roster(b))
	e := newEnv(b, s, "bench", nil, nil, nil)
	return benchtest.Target{Conn: e.conn, Selection: connectors.Selection{Units: []string{"category:2"}},
		Enrollments: len(s.Enrolments), Pages: func() int { _, n := e.srv.Counts(); return int(n) }}
}

// BenchmarkFetch pages and decodes the whole site with no store: the
// floor BenchmarkSync and BenchmarkResync are compared to.
func BenchmarkFetch(b *testing.B) { benchtest.Fetch(b, benchTarget(b)) }

// BenchmarkSync is a first sync of the whole site into a new bbolt store.
func BenchmarkSync(b *testing.B) { benchtest.Sync(b, benchTarget(b)) }

// BenchmarkResync is a scheduled sync of the unchanged site.
func BenchmarkResync(b *testing.B) { benchtest.Resync(b, benchTarget(b)) }
