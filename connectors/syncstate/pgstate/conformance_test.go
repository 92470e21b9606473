package pgstate_test

import (
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/statetest"
)

func TestConformance(t *testing.T) {
	var dbs databases
	statetest.Run(t, func(t *testing.T, dir string) syncstate.Backend {
		s, err := pgstate.Open(t.Context(), dbs.url(t, dir), pgstate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
