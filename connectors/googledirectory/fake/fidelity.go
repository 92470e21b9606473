package fake

import (
	_ "embed"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the fake Directory's fidelity record (FIDELITY.md): every
// endpoint, parameter, field, header and status it may serve, with the
// Google document each comes from.
func Table() *fidelity.Table {
	return fidelity.MustParse("connectors/googledirectory/fake/FIDELITY.md", fidelityMD)
}

// RecordFidelity serves every later request through the fidelity
// recorders, as Options.Fidelity does from the start. Safe with requests
// in flight.
func (s *Server) RecordFidelity() { s.rec.Start() }

// CheckFidelity fails t for everything served while recording that
// FIDELITY.md (or, for the token endpoint, fakeauth's table) does not list.
func (s *Server) CheckFidelity(t fidelity.TB) {
	t.Helper()
	s.rec.Check(t)
}

// FidelityRecorders returns the API's and the token endpoint's recorders,
// for tests that look at Violations or Unused themselves.
func (s *Server) FidelityRecorders() (api, token *fidelity.Recorder) { return s.rec.Recorders() }
