package oneroster

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
)

// TestConformanceFidelity runs the shared connector suite against the
// OneRoster 1.1 and 1.2 fakes served through their fidelity recorder:
// every request the connector makes and every answer the fake gives in
// the suite must be in the fake's FIDELITY.md.
func TestConformanceFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the conformance suites a second time")
	}
	for _, v := range []string{V11, V12} {
		setup := setupREST(v)
		connectortest.Run(t, connectortest.Harness{Name: "oneroster-" + v, Setup: func(t *testing.T, env connectortest.Env) connectortest.Instance {
			inst := setup(t, env)
			srv := inst.Faults.(*fake.Server)
			srv.RecordFidelity()
			t.Cleanup(func() { srv.CheckFidelity(t) })
			return inst
		}})
	}
}
