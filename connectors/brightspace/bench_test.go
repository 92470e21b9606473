package brightspace

import (
	"strconv"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/brightspace/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest/benchtest"
)

// benchTarget is a tenant of about ROLLCALL_BENCH_ENROLLMENTS
// enrollments (default 200,000; offerings only, not their sections) in
// offerings of about 30, served on loopback at Brightspace's 100 a page,
// without the credit bucket or the fidelity recorder; the whole of it
// selected by its root org unit.
func benchTarget(b *testing.B) benchtest.Target {
	d := district(benchtest.Roster(b))
	n := 0
	for _, e := range d.Enrollments {
		if e.OrgUnitID < 300000 {
			n++
		}
	}
	e := newEnv(b, d, fake.Options{Unlimited: true}, serviceUser, "bench", nil, nil, nil)
	return benchtest.Target{Conn: e.conn, Selection: connectors.Selection{Units: []string{"orgunit:" + strconv.Itoa(rootOU)}},
		Enrollments: n, Pages: func() int { return int(e.srv.Counts().EnrollmentPages) }}
}

// BenchmarkFetch pages and decodes the whole tenant with no store: the
// floor BenchmarkSync and BenchmarkResync are compared to.
func BenchmarkFetch(b *testing.B) { benchtest.Fetch(b, benchTarget(b)) }

// BenchmarkSync is a first sync of the whole tenant into a new bbolt
// store.
func BenchmarkSync(b *testing.B) { benchtest.Sync(b, benchTarget(b)) }

// BenchmarkResync is a scheduled sync of the unchanged tenant.
func BenchmarkResync(b *testing.B) { benchtest.Resync(b, benchTarget(b)) }
