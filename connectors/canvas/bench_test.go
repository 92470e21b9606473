package canvas

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest/benchtest"
)

// benchTarget is a district of about ROLLCALL_BENCH_ENROLLMENTS
// enrollments (default 200,000) in courses of about 30, served by a fake
// on loopback, with a connector reading it at 100 a page; the whole of it
// selected by its root account.
func benchTarget(b *testing.B) benchtest.Target {
	d := district(benchtest.Roster(b))
	e := newEnv(b, d, "bench", nil, nil, nil)
	return benchtest.Target{Conn: e.conn, Selection: connectors.Selection{Units: []string{"account:1"}},
		Enrollments: len(d.Enrollments), Pages: func() int { return int(e.srv.Counts().UserPages) }}
}

// BenchmarkFetch pages and decodes the whole district with no store: the
// floor BenchmarkSync and BenchmarkResync are compared to.
func BenchmarkFetch(b *testing.B) { benchtest.Fetch(b, benchTarget(b)) }

// BenchmarkSync is a first sync of the whole district into a new bbolt
// store.
func BenchmarkSync(b *testing.B) { benchtest.Sync(b, benchTarget(b)) }

// BenchmarkResync is a scheduled sync of the unchanged district.
func BenchmarkResync(b *testing.B) { benchtest.Resync(b, benchTarget(b)) }
