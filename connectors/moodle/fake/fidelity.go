package fake

import (
	_ "embed"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the fake's fidelity table, parsed.
func Table() *fidelity.Table {
	return fidelity.MustParse("connectors/moodle/fake/FIDELITY.md", fidelityMD)
}
