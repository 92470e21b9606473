package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

func (a *app) membersCmd() *cobra.Command {
	return group("members", "Add, remove, list, import and export the members of a license",
		a.membersAddCmd(),
		a.membersRemoveCmd(),
		a.membersListCmd(),
		a.membersImportCmd(),
		a.membersExportCmd(),
		a.membersSampleCSVCmd(),
		a.membersHistoryCmd(),
	)
}

// licenseFlag adds the --license flag members commands need.
func licenseFlag(c *cobra.Command, id *string) {
	c.Flags().StringVarP(id, "license", "l", "", "license id (required)")
}

func requireLicense(c *cobra.Command, id string) error {
	if strings.TrimSpace(id) == "" {
		return usageErr(c, "--license is required")
	}
	return nil
}

func (a *app) membersAddCmd() *cobra.Command {
	var id, role, name string
	c := &cobra.Command{
		Use:   "add --license ID [EMAIL...|-]",
		Short: "Add members by email (from arguments, or stdin one per line or comma-separated)",
		Long: `Add members by email. Each gets a "manual" claim recorded with --actor.
With no EMAIL arguments, or "-", addresses are read from stdin, one per line or
separated by commas. Every address is checked first: one invalid address and
nothing changes. When the license has too few free seats, what fits is added
(teachers first) and the rest is listed as overflow, with exit status 1.`,
		Example: `  rollcall members add -l lincoln-hs ann@lincoln.example.us bob@lincoln.example.us
  pbpaste | rollcall members add -l lincoln-hs --role teacher`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := requireLicense(c, id); err != nil {
				return err
			}
			r, err := parseRoleFlag(c, role)
			if err != nil {
				return err
			}
			if len(args) == 0 && isTerminal(a.stdin) {
				fmt.Fprintln(a.stderr, "Reading email addresses from the terminal, one per line or comma-separated; end with Ctrl-D.")
			}
			items, err := readEmails(args, a.stdin)
			if err != nil {
				return err
			}
			if c.Flags().Changed("name") && len(items) > 1 {
				return usageErr(c, "--name names one person, but %d addresses were given", len(items))
			}
			changes := make([]license.Change, len(items))
			for i, it := range items {
				changes[i] = license.Change{Op: license.OpUpsert, Email: it.email, Source: license.SourceManual, Role: r, Name: strings.TrimSpace(name)}
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				res, err := s.Apply(ctx, id, changes, license.ApplyOptions{Actor: a.actor, Now: a.now(), Atomic: true})
				if err != nil {
					return fmt.Errorf("add members to license %s: %w", id, err)
				}
				if err := a.printApply(res); err != nil {
					return err
				}
				return overflowError(id, res.Overflow)
			})
		},
	}
	licenseFlag(c, &id)
	c.Flags().StringVar(&role, "role", "", "role of the added members: student, teacher or other")
	c.Flags().StringVar(&name, "name", "", "display name (with a single EMAIL)")
	return c
}

// parseRoleFlag reads --role; unset means the claim says nothing of the
// role, so re-adding someone does not overwrite what another add said.
func parseRoleFlag(c *cobra.Command, s string) (license.Role, error) {
	if !c.Flags().Changed("role") {
		return "", nil
	}
	r, err := license.ParseRole(s)
	if err != nil {
		return "", fmt.Errorf("--role: %w", err)
	}
	return r, nil
}

// overflowError makes a partial add exit non-zero, after the result (with
// the overflow list) has been printed.
func overflowError(id string, of []license.Overflow) error {
	if len(of) == 0 {
		return nil
	}
	return fmt.Errorf("%s not added to license %s (listed above)", plural(len(of), "address was", "addresses were"), id)
}

// printApply shows what an Apply did.
func (a *app) printApply(res license.ApplyResult) error {
	if a.jsonOut {
		return a.printJSON(applyJSON{res, orEmpty(res.Overflow)})
	}
	return writeApplyResult(a, res)
}

// applyJSON is an ApplyResult whose overflow list is always present.
type applyJSON struct {
	license.ApplyResult
	Overflow []license.Overflow `json:"overflow"`
}

func writeApplyResult(a *app, res license.ApplyResult) error {
	t := newTable(a.stdout)
	t.row("members added:", fmt.Sprint(res.MembersAdded))
	t.row("claims added:", fmt.Sprint(res.ClaimsAdded))
	t.row("claims updated:", fmt.Sprint(res.ClaimsUpdated))
	t.row("claims removed:", fmt.Sprint(res.ClaimsRemoved))
	t.row("members removed:", fmt.Sprint(res.MembersRemoved))
	t.row("unchanged:", fmt.Sprint(res.Unchanged))
	t.row("overflow:", fmt.Sprint(len(res.Overflow)))
	if err := t.flush(); err != nil {
		return err
	}
	if len(res.Overflow) == 0 {
		return nil
	}
	fmt.Fprintln(a.stdout)
	t = newTable(a.stdout, "NOT ADDED", "ROLE", "REASON")
	for _, o := range res.Overflow {
		t.row(o.Email, string(o.Role), o.Reason)
	}
	return t.flush()
}
