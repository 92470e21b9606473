package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/rollcall-sync/rollcall/license/bolt"
)

// lockTimeout bounds the wait for bbolt's file lock: another rollcall
// process (a running sync or server) may hold the database.
const lockTimeout = 2 * time.Second

// dataDirectory returns Rollcall's data directory, creating it 0700: the
// --data-dir flag, else $ROLLCALL_DATA_DIR, else $XDG_DATA_HOME/rollcall,
// else ~/.local/share/rollcall.
func (a *app) dataDirectory() (string, error) {
	dir, err := a.dataDirectoryName()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	return dir, nil
}

// dataDirectoryName is dataDirectory without creating it, for commands
// that only read.
func (a *app) dataDirectoryName() (string, error) {
	dir := a.dataDir
	if dir == "" {
		dir = os.Getenv("ROLLCALL_DATA_DIR")
	}
	if dir == "" {
		// The XDG spec says to ignore a relative XDG_DATA_HOME.
		if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
			dir = filepath.Join(x, "rollcall")
		} else {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("find the data directory: %w (set --data-dir or ROLLCALL_DATA_DIR)", err)
			}
			dir = filepath.Join(home, ".local", "share", "rollcall")
		}
	}
	return dir, nil
}

// databasePath returns the license database file: --db, else
// <data-dir>/rollcall.db.
func (a *app) databasePath() (string, error) {
	if a.dbPath != "" {
		if err := os.MkdirAll(filepath.Dir(a.dbPath), 0o700); err != nil {
			return "", fmt.Errorf("create directory for --db: %w", err)
		}
		return a.dbPath, nil
	}
	dir, err := a.dataDirectory()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "rollcall.db"), nil
}

// openStore opens the license database named by the global flags.
func (a *app) openStore() (*bolt.Store, string, error) {
	path, err := a.databasePath()
	if err != nil {
		return nil, "", err
	}
	s, err := bolt.Open(path, bolt.Options{Timeout: lockTimeout, Logger: a.logger, Now: a.now})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, "", fmt.Errorf("database %s is locked: another rollcall process holds it (waited %s)%s", path, lockTimeout, serverHint)
		}
		return nil, "", err // it names the file
	}
	return s, path, nil
}

// withStore opens the store, runs fn and closes the store, reporting a
// failed close (which can lose the last write) when fn itself succeeded.
func (a *app) withStore(ctx context.Context, fn func(ctx context.Context, s *bolt.Store) error) (err error) {
	s, path, err := a.openStore()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close database %s: %w", path, cerr)
		}
	}()
	return fn(ctx, s)
}
