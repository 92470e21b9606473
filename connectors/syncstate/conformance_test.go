package syncstate_test

import (
	"path/filepath"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/statetest"
)

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T, dir string) syncstate.Backend {
		s, err := syncstate.Open(filepath.Join(dir, "syncstate.db"), syncstate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
