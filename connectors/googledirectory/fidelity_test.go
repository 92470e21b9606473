package googledirectory

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// TestConformanceFidelity runs the shared connector suite against the fake
// Directory served through its fidelity recorders: every request the
// connector makes and every answer the fake gives in the suite (paging,
// selections, rate limits, server errors, failed pages, bad credentials,
// empty sources) must be in the fake's FIDELITY.md (and the token
// endpoint's), so the connector is tested only against what Google
// documents.
func TestConformanceFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the conformance suite a second time")
	}
	connectortest.Run(t, connectortest.Harness{
		WaitsOutRateLimits: true,
		Name:               Type,
		Setup: func(t *testing.T, env connectortest.Env) connectortest.Instance {
			inst := setupGoogle(t, env)
			srv := inst.Faults.(googleFaults).e.srv
			srv.RecordFidelity()
			t.Cleanup(func() { srv.CheckFidelity(t) })
			return inst
		},
		OneUnitPerPerson: true,
		EmailRequired:    true,
	})
}
