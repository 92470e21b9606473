package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

func (a *app) backupCmd() *cobra.Command {
	var cfgPath, out string
	c := &cobra.Command{
		Use:   "backup --out DIR",
		Short: "Write a consistent copy of the license store and the sync state",
		Long: `backup copies rollcall.db and syncstate.db into DIR (created 0700, files
0600). Each copy is taken inside one read transaction, so it is consistent
even while a sync writes. If a server is running on these files, the copy
is taken through its admin socket; otherwise the files are opened directly.
Restore: stop the server, put both files back in the data directory, run
'rollcall check', start the server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr(cmd, "--out DIR is required")
			}
			dbPath, statePath, err := a.backupPaths(cfgPath)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			files := []struct{ name, path string }{{"store", dbPath}, {"syncstate", statePath}}
			if client := adminClient(adminSocketPath(dbPath)); client != nil {
				for _, f := range files {
					dst := filepath.Join(out, filepath.Base(f.path))
					if err := writeAtomically(dst, func(w io.Writer) error { return fetchBackup(cmd.Context(), client, f.name, w) }); err != nil {
						return fmt.Errorf("backup %s from the running server: %w", f.path, err)
					}
					fmt.Fprintf(a.stdout, "%s (from the running server)\n", dst)
				}
				return nil
			}
			st, err := bolt.Open(dbPath, bolt.Options{Timeout: lockTimeout})
			if err != nil {
				return lockedErr(dbPath, err)
			}
			defer st.Close()
			ss, err := syncstate.Open(statePath, syncstate.Options{Timeout: lockTimeout})
			if err != nil {
				return lockedErr(statePath, err)
			}
			defer ss.Close()
			srcs := map[string]backupSource{"store": st, "syncstate": ss}
			for _, f := range files {
				dst := filepath.Join(out, filepath.Base(f.path))
				err := writeAtomically(dst, func(w io.Writer) error {
					_, err := srcs[f.name].Backup(cmd.Context(), w)
					return err
				})
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, dst)
			}
			return nil
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file naming the store and sync state (default: the data directory's files)")
	c.Flags().StringVar(&out, "out", "", "directory to write the copies into")
	return c
}

// backupPaths names the two files: from the config when one is given,
// else the data directory's defaults.
func (a *app) backupPaths(cfgPath string) (db, state string, err error) {
	if cfgPath != "" || os.Getenv("ROLLCALL_CONFIG") != "" {
		cfg, err := a.loadConfig(cfgPath)
		if err != nil {
			return "", "", err
		}
		return a.statePaths(cfg)
	}
	db, err = a.databasePath()
	if err != nil {
		return "", "", err
	}
	return db, filepath.Join(filepath.Dir(db), config.DefaultSyncStateFile), nil
}

func fetchBackup(ctx context.Context, c *http.Client, name string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://rollcall/backup/"+name, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin socket answered %s", resp.Status)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// writeAtomically writes a 0600 file through a temporary file, synced and
// renamed into place, so a failed backup never leaves a half file named
// like a good one.
func writeAtomically(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
