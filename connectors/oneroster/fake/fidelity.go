package fake

import (
	_ "embed"
	"net/http"
	"sync/atomic"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the REST fake's fidelity record (FIDELITY.md): every endpoint,
// parameter, field, header and status it may serve, with the 1EdTech
// document each comes from.
func Table() *fidelity.Table {
	return fidelity.MustParse("connectors/oneroster/fake/FIDELITY.md", fidelityMD)
}

// recording serves the fake through a fidelity recorder once switched on;
// off, requests go straight to the mux, as benchmarks want.
type recording struct {
	on  atomic.Bool
	rec *fidelity.Recorder
	mux http.Handler
}

func (rc *recording) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc.on.Load() {
		rc.rec.ServeHTTP(w, r)
		return
	}
	rc.mux.ServeHTTP(w, r)
}

// RecordFidelity serves every later request through the fidelity
// recorder, as Options.Fidelity does from the start. Safe with requests
// in flight.
func (s *Server) RecordFidelity() { s.rec.on.Store(true) }

// CheckFidelity fails t for everything served while recording that
// FIDELITY.md does not list.
func (s *Server) CheckFidelity(t fidelity.TB) {
	t.Helper()
	s.rec.rec.Check(t)
}

// FidelityRecorder returns the recorder, for tests that look at
// Violations or Unused themselves.
func (s *Server) FidelityRecorder() *fidelity.Recorder { return s.rec.rec }
