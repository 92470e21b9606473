package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rollcall-sync/rollcall/config"
)

// namedStatePaths is where the store and the sync state live, creating
// nothing: explicit flags (--db, --data-dir, ROLLCALL_DATA_DIR) win over
// the config file, so one config can serve a container whose config
// folder is read-only. A config that names no store uses the data
// directory's, the one every other command uses, so that "license
// create" and "sync --config" work on the same licenses.
func (a *app) namedStatePaths(cfg *config.Config) (db, state string, err error) {
	db, state = cfg.Store.Path, cfg.SyncState.Path
	dir := a.dataDir
	if dir == "" {
		dir = os.Getenv("ROLLCALL_DATA_DIR")
	}
	switch {
	case dir != "":
		db = filepath.Join(dir, config.DefaultStorePath)
		state = filepath.Join(dir, config.DefaultSyncStateFile)
	case !cfg.IsSet("store.path"):
		if dir, err = a.dataDirectoryName(); err != nil {
			return "", "", err
		}
		db = filepath.Join(dir, config.DefaultStorePath)
		if !cfg.IsSet("sync_state.path") {
			state = filepath.Join(dir, config.DefaultSyncStateFile)
		}
	}
	if a.dbPath != "" {
		db = a.dbPath
		state = filepath.Join(filepath.Dir(db), config.DefaultSyncStateFile)
	}
	return db, state, nil
}

// stateFiles names the three files a config's commands use.
type stateFiles struct{ store, syncState, auth string }

// sayStateFiles tells the person at the keyboard which files a command
// works on, on stderr (stdout stays the command's answer): a config copied
// into another folder points at other files, and that must be visible.
func (a *app) sayStateFiles(cfg *config.Config, f stateFiles, note string) {
	src := cfg.File
	if src == "" {
		src = "defaults"
	}
	fmt.Fprintf(a.stderr, "rollcall: state files (from %s): store %s, sync state %s, tokens %s%s\n", src, f.store, f.syncState, f.auth, note)
}

// withReadRuntime is withRuntime for commands that only read (deployments,
// runs, sync --dry-run, plans list/show): it creates no file and no
// directory. A state file that does not exist yet is read as empty, from
// a scratch copy removed afterwards.
func (a *app) withReadRuntime(ctx context.Context, cfgFlag string, fn func(ctx context.Context, rt *runtime) error) (err error) {
	cfg, err := a.loadConfig(cfgFlag)
	if err != nil {
		return err
	}
	db, state, err := a.namedStatePaths(cfg)
	if err != nil {
		return err
	}
	files := stateFiles{db, state, filepath.Join(filepath.Dir(db), authFile)}
	open := files
	var missing int
	for _, p := range []*string{&open.store, &open.syncState, &open.auth} {
		if _, serr := os.Stat(*p); errors.Is(serr, fs.ErrNotExist) {
			missing++
			*p = ""
		} else if serr != nil {
			return serr
		}
	}
	note := ""
	if missing > 0 {
		scratch, err := os.MkdirTemp("", "rollcall-read-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(scratch)
		for p, name := range map[*string]string{&open.store: config.DefaultStorePath, &open.syncState: config.DefaultSyncStateFile, &open.auth: authFile} {
			if *p == "" {
				*p = filepath.Join(scratch, name)
			}
		}
		note = fmt.Sprintf("; %d of them do not exist yet and were not created", missing)
	}
	a.sayStateFiles(cfg, files, note)
	rt, err := a.openRuntimeAt(cfg, open.store, open.syncState, open.auth)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := rt.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return fn(ctx, rt)
}

// runtimeFor is withRuntime for a command that writes, else withReadRuntime.
func (a *app) runtimeFor(writes bool) func(context.Context, string, func(context.Context, *runtime) error) error {
	if writes {
		return a.withRuntime
	}
	return a.withReadRuntime
}
