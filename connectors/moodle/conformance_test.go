package moodle

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// TestConformance runs the shared connector suite against the fake
// Moodle, reading category 2 and its subcategories.
func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: Type, Setup: setupMoodle})
}
