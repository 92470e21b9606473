package fakeauth

import (
	_ "embed"
	"net/http"
	"sync/atomic"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

//go:embed FIDELITY.md
var fidelityMD []byte

// Table is the token endpoint's fidelity record (FIDELITY.md).
func Table() *fidelity.Table {
	return fidelity.MustParse("connectors/googleauth/fakeauth/FIDELITY.md", fidelityMD)
}

// Record wraps the token endpoint h (an Issuer, as a fake mounts it) with
// a recorder holding it to Table.
func Record(h http.Handler) *fidelity.Recorder { return fidelity.NewRecorder(Table(), h) }

// Recording serves a Google fake's routes through fidelity recorders once
// switched on: the token endpoint (POST /token) against Table, every other
// route against the API's own table. Off, requests go straight to the
// fake's mux, as benchmarks want. Safe for concurrent use.
type Recording struct {
	on    atomic.Bool
	api   *fidelity.Recorder
	token *fidelity.Recorder
	mux   http.Handler
}

// NewRecording wraps mux, a Google fake's routes, checked against api.
func NewRecording(api *fidelity.Table, mux http.Handler, on bool) *Recording {
	rc := &Recording{api: fidelity.NewRecorder(api, mux), token: Record(mux), mux: mux}
	rc.on.Store(on)
	return rc
}

// ServeHTTP serves r, through the recorders when recording.
func (rc *Recording) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case !rc.on.Load():
		rc.mux.ServeHTTP(w, r)
	case r.URL.Path == "/token":
		rc.token.ServeHTTP(w, r)
	default:
		rc.api.ServeHTTP(w, r)
	}
}

// Start records every later request.
func (rc *Recording) Start() { rc.on.Store(true) }

// Check fails t for everything served while recording that the tables do
// not list.
func (rc *Recording) Check(t fidelity.TB) {
	t.Helper()
	rc.api.Check(t)
	rc.token.Check(t)
}

// Recorders returns the API's and the token endpoint's recorders.
func (rc *Recording) Recorders() (api, token *fidelity.Recorder) { return rc.api, rc.token }
