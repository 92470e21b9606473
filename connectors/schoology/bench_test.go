package schoology

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest/benchtest"
)

// benchTarget is a school of about ROLLCALL_BENCH_ENROLLMENTS
// enrollments (default 200,000) in sections of about 30, served by the
// fake on loopback without its fidelity recorder, the connector at its
// default page size; the whole of it selected by its school.
func benchTarget(b *testing.B) benchtest.Target {
	d := district(benchtest.Roster(b))
	e := newEnv(b, d, "bench", nil, nil, nil)
	return benchtest.Target{Conn: e.conn, Selection: connectors.Selection{Units: []string{"school:344232"}},
		Enrollments: len(d.Enrollments), Pages: func() int { return int(e.srv.Counts().EnrollmentPages) }}
}

// BenchmarkFetch pages and decodes the whole school with no store: the
// floor BenchmarkSync and BenchmarkResync are compared to.
func BenchmarkFetch(b *testing.B) { benchtest.Fetch(b, benchTarget(b)) }

// BenchmarkSync is a first sync of the whole school into a new bbolt
// store.
func BenchmarkSync(b *testing.B) { benchtest.Sync(b, benchTarget(b)) }

// BenchmarkResync is a scheduled sync of the unchanged school.
func BenchmarkResync(b *testing.B) { benchtest.Resync(b, benchTarget(b)) }
