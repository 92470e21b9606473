package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth"
)

// openAuthStore opens the tokens and sessions where the config keeps the
// licenses: auth.db at path beside a bbolt store (the default), or the
// auth tables of store.url's database with driver postgres, so that every
// replica, and the token commands, see the same tokens and sessions.
func (a *app) openAuthStore(cfg *config.Config, path string, opts auth.Options) (*auth.Store, error) {
	if cfg == nil || cfg.Store.Driver != config.DriverPostgres {
		s, err := auth.Open(path, opts)
		if err != nil {
			return nil, lockedErr(path, err)
		}
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), postgresOpenTimeout)
	defer cancel()
	s, err := pgauth.Open(ctx, cfg.Store.URL.Value(), opts)
	if err != nil {
		return nil, fmt.Errorf("%s (tokens): %w", storeField(cfg), err)
	}
	return s, nil
}

// tokenConfig is the config the token commands follow: the file named by
// ROLLCALL_CONFIG or rollcall.yaml in the data directory, or nil when
// there is none (tokens then live in auth.db, as always). A config that
// exists but does not load is an error: tokens made in the wrong place
// would not work on the server.
func (a *app) tokenConfig() (*config.Config, error) {
	path, err := a.configPath("")
	if err != nil {
		return nil, nil // no data directory to look in: no config either
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return a.loadConfig(path)
}

// withConfiguredAuth runs fn on the database's tokens when the config says
// store.driver postgres, and reports whether it did (or failed trying);
// otherwise withAuth goes on to auth.db.
func (a *app) withConfiguredAuth(ctx context.Context, fn func(ctx context.Context, s *auth.Store) error) (done bool, err error) {
	cfg, err := a.tokenConfig()
	if err != nil {
		return true, err
	}
	if cfg == nil || cfg.Store.Driver != config.DriverPostgres {
		return false, nil
	}
	s, err := a.openAuthStore(cfg, "", auth.Options{Logger: a.logger, Now: a.now})
	if err != nil {
		return true, err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close the token store: %w", cerr)
		}
	}()
	return true, fn(ctx, s)
}
