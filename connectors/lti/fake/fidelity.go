package fake

import (
	_ "embed"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the fake's fidelity record, parsed from FIDELITY.md.
func Table() *fidelity.Table {
	return fidelity.MustParse("connectors/lti/fake/FIDELITY.md", fidelityMD)
}
