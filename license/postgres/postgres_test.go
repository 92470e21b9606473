package postgres

import (
	"context"
	"sync"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/postgres/pgtest"
	"github.com/rollcall-sync/rollcall/license/storetest"
)

// opener gives each storetest directory a database of its own: the first
// open of a directory creates it, a reopen of the same directory finds the
// same data.
func opener(opts Options) storetest.Opener {
	var mu sync.Mutex
	dbs := map[string]string{}
	return func(t *testing.T, dir string) license.Store {
		t.Helper()
		mu.Lock()
		u, ok := dbs[dir]
		if !ok {
			u = pgtest.NewDatabase(t)
			dbs[dir] = u
		}
		mu.Unlock()
		s, err := Open(context.Background(), u, opts)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	}
}

func TestConformance(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.Run(t, opener(Options{}))
}

// The same suite with one change per transaction, so every batching path
// is exercised by every rule.
func TestConformanceSmallBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	pgtest.ServerURL(t)
	storetest.Run(t, opener(Options{BatchSize: 1}))
}
