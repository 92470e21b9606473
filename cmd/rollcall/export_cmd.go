package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/csvio"
)

func (a *app) membersExportCmd() *cobra.Command {
	var id, filter, sortBy, out string
	c := &cobra.Command{
		Use:   "export --license ID [--filter Q] [-o FILE]",
		Short: "Write members as CSV, to stdout or a new 0600 file",
		Long: `Write the members as CSV (email, name, role, org_unit, sources, added),
safe to open in a spreadsheet: cells that would run as formulas are
neutralised. The file can be imported again. -o writes a file readable only
by you, replacing it whole only once the export succeeded.`,
		Args: exactArgs(),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireLicense(c, id); err != nil {
				return err
			}
			f, err := parseFilter(filter)
			if err != nil {
				return err
			}
			field, desc, err := license.ParseSort(sortBy)
			if err != nil {
				return fmt.Errorf("--sort: %w", err)
			}
			opts := license.ListOptions{Filter: f, Sort: field, Desc: desc}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				if _, err := s.GetLicense(ctx, id); err != nil {
					return fmt.Errorf("license %s: %w", id, err)
				}
				if out == "" || out == "-" {
					return csvio.Export(ctx, a.stdout, s, id, opts)
				}
				return writeFileAtomic(out, func(w io.Writer) error { return csvio.Export(ctx, w, s, id, opts) })
			})
		},
	}
	licenseFlag(c, &id)
	c.Flags().StringVarP(&filter, "filter", "f", "", "export only members matching this query (as members list)")
	c.Flags().StringVar(&sortBy, "sort", "email", "column to sort by; -COL for descending")
	c.Flags().StringVarP(&out, "output", "o", "", "write to FILE (mode 0600) instead of stdout")
	return c
}

// writeFileAtomic writes path through a 0600 temporary file in the same
// directory, renamed over path only when write succeeded: a failed export
// leaves no half file, and member lists are never world-readable.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file 0600 already; say so for the reader.
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	return nil
}
