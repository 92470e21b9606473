package canvas

import (
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// TestConformance runs the shared connector suite against the fake Canvas,
// reading the whole district as account:1.
func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{Name: Type, Setup: setupCanvas})
}

func configSecret(s string) config.Secret { return config.Secret(s) }
