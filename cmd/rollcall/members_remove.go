package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/csvio"
)

func (a *app) membersRemoveCmd() *cobra.Command {
	var id string
	var dryRun bool
	c := &cobra.Command{
		Use:   "remove --license ID [EMAIL...|-]",
		Short: "Remove the claims admins made on members (by hand, CSV or key)",
		Long: `Remove members by email: their manual, CSV and key claims go. A member
whom a sync or a domain-wide deployment still claims stays on the license,
and is listed with the sources that keep them. With no EMAIL arguments, or
"-", addresses are read from stdin, one per line or comma-separated.`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := requireLicense(c, id); err != nil {
				return err
			}
			items, err := readEmails(args, a.stdin)
			if err != nil {
				return err
			}
			rows := make([]csvio.Row, len(items))
			for i, it := range items {
				rows[i] = csvio.Row{Line: i + 1, Email: it.email, Role: license.RoleStudent}
			}
			opts := csvio.ImportOptions{Remove: true, DryRun: dryRun, Actor: a.actor, Now: a.now()}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				res, err := csvio.Import(ctx, s, id, rows, opts)
				if err != nil {
					return fmt.Errorf("remove members: %w", err)
				}
				if a.jsonOut {
					return a.printJSON(viewImport(res))
				}
				if res.DryRun {
					fmt.Fprintln(a.stdout, "Dry run: nothing was changed. This is what the removal would do:")
				}
				if err := writeApplyResult(a, res.ApplyResult); err != nil {
					return err
				}
				return a.writeKept(res)
			})
		},
	}
	licenseFlag(c, &id)
	c.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "show what would change; change nothing")
	return c
}
