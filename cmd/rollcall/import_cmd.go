package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/csvio"
)

// importError shows every bad row of a CSV file, one per line; the
// package's own message names only the first few.
type importError struct{ *csvio.ImportError }

func (e importError) Error() string {
	return fmt.Sprintf("%s: %s, nothing imported:", e.File, plural(len(e.Rows)+e.More, "bad row", "bad rows"))
}

func (e importError) Details() []string {
	out := make([]string, 0, len(e.Rows)+1)
	for _, r := range e.Rows {
		out = append(out, r.String())
	}
	if e.More > 0 {
		out = append(out, fmt.Sprintf("and %d more", e.More))
	}
	return out
}

// readRows reads and checks a whole CSV file before the store is opened:
// a bad file changes nothing and never waits for the database lock.
func (a *app) readRows(file string) ([]csvio.Row, *importInput, error) {
	in, err := a.readImportInput(file)
	if err != nil {
		return nil, nil, err
	}
	r, done := a.reader(in)
	rows, err := csvio.ReadImport(r, in.name)
	done()
	if err != nil {
		var ie *csvio.ImportError
		if errors.As(err, &ie) {
			return nil, in, importError{ie}
		}
		return nil, in, err
	}
	return rows, in, nil
}

func (a *app) membersImportCmd() *cobra.Command {
	var id string
	var remove, dryRun bool
	c := &cobra.Command{
		Use:   "import --license ID FILE [--remove] [--dry-run]",
		Short: "Add (or --remove) the members listed in a CSV file; FILE - reads stdin",
		Long: `Add the people of a CSV file to a license, or with --remove take away the
claims admins made on them (by hand, by CSV or by key); people a sync or a
domain-wide deployment still claims stay, and are listed.

Columns: email (required), name, role (student, teacher or other); a header
row is optional. "rollcall members sample-csv" prints an example. The whole
file is checked first: any bad row, and nothing changes; the error lists
every bad row by line. An add that does not fit in the free seats is refused
whole. --dry-run shows what would change and writes nothing.`,
		Args: exactArgs("FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := requireLicense(c, id); err != nil {
				return err
			}
			rows, in, err := a.readRows(args[0])
			if err != nil {
				return err
			}
			now := a.now()
			opts := csvio.ImportOptions{Remove: remove, DryRun: dryRun, Actor: a.actor, Now: now}
			if !remove {
				opts.UploadID = csvio.NewUploadID(now)
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				a.logger.Info("importing", "license", id, "file", in.name, "rows", len(rows), "remove", remove, "dry_run", dryRun)
				res, err := csvio.Import(ctx, s, id, rows, opts)
				if err != nil {
					return err
				}
				return a.printImport(res, opts.UploadID, len(rows))
			})
		},
	}
	licenseFlag(c, &id)
	c.Flags().BoolVar(&remove, "remove", false, "remove the listed members instead of adding them")
	c.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "show what would change; change nothing")
	return c
}

// printImport shows what an import or removal did.
func (a *app) printImport(res csvio.ImportResult, uploadID string, rows int) error {
	if a.jsonOut {
		v := viewImport(res)
		v.UploadID, v.Rows = uploadID, rows
		return a.printJSON(v)
	}
	if res.DryRun {
		fmt.Fprintln(a.stdout, "Dry run: nothing was changed. This is what the import would do:")
	}
	if uploadID != "" {
		fmt.Fprintf(a.stdout, "%s read; their claims have source csv:%s.\n", plural(rows, "row", "rows"), uploadID)
	} else {
		fmt.Fprintf(a.stdout, "%s read.\n", plural(rows, "row", "rows"))
	}
	if err := writeApplyResult(a, res.ApplyResult); err != nil {
		return err
	}
	return a.writeKept(res)
}

// importJSON is an import's --json output: every list present, even empty.
type importJSON struct {
	license.ApplyResult
	Overflow []license.Overflow `json:"overflow"`
	Kept     []csvio.KeptMember `json:"kept"`
	NotFound []string           `json:"not_found"`
	DryRun   bool               `json:"dry_run"`
	UploadID string             `json:"upload_id,omitempty"`
	Rows     int                `json:"rows,omitempty"`
}

func viewImport(res csvio.ImportResult) importJSON {
	return importJSON{ApplyResult: res.ApplyResult, Overflow: orEmpty(res.Overflow), Kept: orEmpty(res.Kept),
		NotFound: orEmpty(res.NotFound), DryRun: res.DryRun}
}

// writeKept lists who a removal left on the license, and why.
func (a *app) writeKept(res csvio.ImportResult) error {
	if len(res.Kept) > 0 {
		fmt.Fprintln(a.stdout, "\nStill on the license: sources an admin does not manage here claim them.")
		t := newTable(a.stdout, "EMAIL", "CLAIMED BY")
		for _, k := range res.Kept {
			srcs := make([]string, len(k.Sources))
			for i, s := range k.Sources {
				srcs[i] = string(s)
			}
			t.row(k.Email, strings.Join(srcs, ","))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(res.NotFound) > 0 {
		fmt.Fprintf(a.stdout, "\nNot on the license: %s\n", strings.Join(res.NotFound, ", "))
	}
	return nil
}

func (a *app) membersSampleCSVCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sample-csv",
		Short: "Print a sample CSV file for members import",
		Args:  exactArgs(),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(a.stdout, csvio.Sample())
			return err
		},
	}
}
