package main

import (
	"context"
	"fmt"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// openSyncState opens the sync state where the store is: the bbolt file at
// statePath (the default), or, with store.driver postgres, the syncstate_*
// tables of the same database, so that every process sharing the store
// shares the run history, pending plans and quarantine too.
func (a *app) openSyncState(cfg *config.Config, statePath string) (syncstate.Backend, error) {
	if cfg.Store.Driver != config.DriverPostgres {
		s, err := syncstate.Open(statePath, syncstate.Options{Timeout: lockTimeout, HistoryLimit: cfg.Sync.History})
		if err != nil {
			return nil, lockedErr(statePath, err)
		}
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), postgresOpenTimeout)
	defer cancel()
	s, err := pgstate.Open(ctx, cfg.Store.URL.Value(), pgstate.Options{HistoryLimit: cfg.Sync.History, Now: a.now})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", storeField(cfg), err)
	}
	return s, nil
}
