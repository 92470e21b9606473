package schoology

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// TestConformance runs the shared connector suite against the fake
// Schoology, reading the whole school.
func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: Type, Setup: setupSchoology})
}
