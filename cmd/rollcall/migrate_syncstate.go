package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// migrateSyncState brings the sync state's tables (syncstate_*) in the
// database up to date and, with --from-bolt, copies the bbolt sync state
// found beside the store (syncstate.db in the backup folder, or beside
// the rollcall.db file) into them: run history with its IDs, pending
// plans, run-time deployments, quarantine and window marks. A store with
// no sync state file beside it copies nothing.
func (a *app) migrateSyncState(ctx context.Context, to, fromBolt string) (*pgstate.ImportCounts, error) {
	s, err := pgstate.Open(ctx, to, pgstate.Options{Now: a.now})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if fromBolt == "" {
		return nil, nil
	}
	dir := fromBolt
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = filepath.Dir(fromBolt)
	}
	path := filepath.Join(dir, config.DefaultSyncStateFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	n, err := s.ImportBolt(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("--from-bolt: sync state %s: %w", path, err)
	}
	return &n, nil
}
