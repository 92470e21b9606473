package classroom

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/classroom/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// TestConformanceFidelity runs the shared connector suite against the fake
// Classroom served through its fidelity recorders: every request the
// connector makes and every answer the fake gives in the suite must be in
// the fake's FIDELITY.md (and the token endpoint's), so the connector is
// tested only against what Google documents.
func TestConformanceFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the conformance suite a second time")
	}
	connectortest.Run(t, connectortest.Harness{Name: Type, WaitsOutRateLimits: true, Setup: func(t *testing.T, env connectortest.Env) connectortest.Instance {
		inst := setupClassroom(t, env)
		srv := inst.Faults.(*fake.Server)
		srv.RecordFidelity()
		t.Cleanup(func() { srv.CheckFidelity(t) })
		return inst
	}})
}
