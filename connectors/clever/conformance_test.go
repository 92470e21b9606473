package clever

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// TestConformance runs the shared connector suite against the fake Clever
// twice: the whole district (roles from each user's roles object) and
// every section (roles from the sections).
func TestConformance(t *testing.T) {
	t.Run("district", func(t *testing.T) {
		connectortest.Run(t, connectortest.Harness{Name: Type, Setup: setup(func(connectortest.Roster) []string { return []string{"district"} })})
	})
	t.Run("sections", func(t *testing.T) {
		connectortest.Run(t, connectortest.Harness{Name: Type, Setup: setup(func(r connectortest.Roster) []string {
			var units []string
			for _, u := range r.Units {
				units = append(units, "section:"+sectionID(u.ID))
			}
			return units
		})})
	})
}
