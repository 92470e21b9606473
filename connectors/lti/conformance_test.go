package lti

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// TestConformance runs the shared connector suite against the fake
// platform, reading every course through its NRPS roster URL.
func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: Type, Setup: setup})
}
