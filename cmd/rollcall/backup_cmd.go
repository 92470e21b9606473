package main

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/scim"
)

func (a *app) backupCmd() *cobra.Command {
	var cfgPath, out string
	c := &cobra.Command{
		Use:   "backup --out DIR",
		Short: "Write a consistent copy of the license store, the sync state and the sign-in tokens",
		Long: `backup copies rollcall.db, syncstate.db and auth.db (and scim.db, once
SCIM provisioning has been set up) into DIR (created
0700, files 0600). Each copy is taken inside one read transaction, so it is
consistent even while a sync writes. If a server is running on these files,
the copy is taken through its admin socket; otherwise the files are opened
directly. auth.db holds API tokens and sessions (as hashes, never the
tokens themselves): keep the backup as private as a password file.
Restore: stop the server, put the files back beside each other in the data
directory, run 'rollcall check', start the server. Restored without
auth.db, every token is gone: create new ones with 'rollcall token create'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr(cmd, "--out DIR is required (- writes a tar stream to stdout)")
			}
			dbPath, statePath, err := a.backupPaths(cfgPath)
			if err != nil {
				return err
			}
			files := []struct{ name, path string }{{"store", dbPath}, {"syncstate", statePath},
				{"auth", filepath.Join(filepath.Dir(dbPath), authFile)}}
			// scim.db exists once a provisioning connection was made; a
			// backup never creates it.
			if p := filepath.Join(filepath.Dir(dbPath), scimFile); fileExists(p) {
				files = append(files, struct{ name, path string }{"scim", p})
			}
			if out == "-" {
				return a.backupTar(cmd.Context(), files)
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			via := ""
			if adminClient(adminSocketPath(dbPath)) != nil {
				via = " (from the running server)"
			}
			if err := a.backupInto(cmd.Context(), out, files); err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintf(a.stdout, "%s%s\n", filepath.Join(out, filepath.Base(f.path)), via)
			}
			return nil
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file naming the store and sync state (default: the data directory's files)")
	c.Flags().StringVar(&out, "out", "", "directory to write the copies into")
	return c
}

// backupTar writes the copies as a tar stream to stdout, for hosts where
// a file cannot be fetched (a distroless container has no tar for kubectl
// cp). Each copy is first spooled to a private temporary file, because a
// tar header needs the size up front.
func (a *app) backupTar(ctx context.Context, files []struct{ name, path string }) error {
	tmp, err := os.MkdirTemp("", "rollcall-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := a.backupInto(ctx, tmp, files); err != nil {
		return err
	}
	tw := tar.NewWriter(a.stdout)
	for _, f := range files {
		p := filepath.Join(tmp, filepath.Base(f.path))
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.Base(f.path), Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// backupInto writes the copies into dir, through the running server when
// there is one, else from the files.
func (a *app) backupInto(ctx context.Context, dir string, files []struct{ name, path string }) error {
	dbPath := files[0].path
	if client := adminClient(adminSocketPath(dbPath)); client != nil {
		for _, f := range files {
			dst := filepath.Join(dir, filepath.Base(f.path))
			if err := writeAtomically(dst, func(w io.Writer) error { return fetchBackup(ctx, client, f.name, w) }); err != nil {
				return fmt.Errorf("backup %s from the running server: %w", f.path, err)
			}
		}
		return nil
	}
	st, err := bolt.Open(dbPath, bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return lockedErr(dbPath, err)
	}
	defer st.Close()
	ss, err := syncstate.Open(files[1].path, syncstate.Options{Timeout: lockTimeout})
	if err != nil {
		return lockedErr(files[1].path, err)
	}
	defer ss.Close()
	as, err := auth.Open(files[2].path, auth.Options{Timeout: lockTimeout})
	if err != nil {
		return lockedErr(files[2].path, err)
	}
	defer as.Close()
	srcs := map[string]backupSource{"store": st, "syncstate": ss, "auth": as}
	for _, f := range files[3:] { // scim.db, when there is one
		sc, err := scim.OpenBolt(f.path, lockTimeout)
		if err != nil {
			return lockedErr(f.path, err)
		}
		defer sc.Close()
		srcs[f.name] = sc
	}
	for _, f := range files {
		err := writeAtomically(filepath.Join(dir, filepath.Base(f.path)), func(w io.Writer) error {
			_, err := srcs[f.name].Backup(ctx, w)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
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

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
