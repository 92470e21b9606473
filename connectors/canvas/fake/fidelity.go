package fake

import (
	_ "embed"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the fake's fidelity record, FIDELITY.md: every endpoint,
// parameter, field, header and status it serves, with the Canvas document
// each comes from.
func Table() *fidelity.Table { return fidelity.MustParse("canvas/fake/FIDELITY.md", fidelityMD) }
