package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

func (a *app) deployOUCmd() *cobra.Command {
	var cfgPath, licenseID, connector, by, name string
	var ous []string
	var yes bool
	c := &cobra.Command{
		Use:   "deploy-ou --license L --connector C --ou /Students[=student] [--ou /Staff=teacher]... --by EMAIL",
		Short: "Deploy a license to Google Workspace org units",
		Long: `deploy-ou creates a run-time deployment that keeps the license's members in
step with the people of the named org units (and their sub-OUs). It checks
both sides first: --by must administer the license, and must be a Google
admin allowed to read users in every named OU (a super admin, or a
delegated admin whose role covers them). It shows the first sync's plan and
asks before saving, unless --yes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if licenseID == "" || connector == "" || by == "" || len(ous) == 0 {
				return usageErr(cmd, "--license, --connector, --by and at least one --ou are required")
			}
			units := map[string]license.Role{}
			for _, o := range ous {
				path, role, _ := strings.Cut(o, "=")
				r, err := license.ParseRole(role)
				if err != nil {
					return usageErr(cmd, "--ou %s: %v", o, err)
				}
				units[strings.TrimSpace(path)] = r
			}
			req := engine.DeployOURequest{Name: name, License: licenseID, Connector: connector, OrgUnits: units, By: by}
			return a.withRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				d, plan, err := rt.engine.PlanDeployOU(ctx, req)
				if err != nil {
					return err
				}
				if !yes {
					fmt.Fprintf(a.stderr, "deployment %s: license %s ← %s %s\n", d.Name, d.License, d.Connector, strings.Join(d.Selection.Units, ", "))
					if err := plan.WriteTable(a.stderr); err != nil {
						return err
					}
					if !a.confirm("Save this deployment and run its first sync?") {
						return fmt.Errorf("deploy-ou: not saved (pass --yes to save without asking)")
					}
				}
				req.Name = d.Name
				_, run, err := rt.engine.DeployOU(ctx, req)
				if run.ID == 0 && err != nil {
					return err
				}
				if perr := a.printRuns([]syncstate.Run{run}); perr != nil {
					return perr
				}
				return err
			})
		},
	}
	f := c.Flags()
	f.StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	f.StringVar(&licenseID, "license", "", "license to deploy")
	f.StringVar(&connector, "connector", "", "Google Directory connector (its name in the config)")
	f.StringArrayVar(&ous, "ou", nil, "org unit path, optionally =role (student, teacher, other); repeatable")
	f.StringVar(&by, "by", "", "email of the admin deploying (license admin and Google admin)")
	f.StringVar(&name, "name", "", "deployment name (default: derived from the license and OUs)")
	f.BoolVar(&yes, "yes", false, "save without showing the plan and asking")
	return c
}

func (a *app) undeployCmd() *cobra.Command {
	var cfgPath, by string
	c := &cobra.Command{
		Use:   "undeploy DEPLOYMENT --by EMAIL",
		Short: "Remove a run-time deployment and its claims (held for approval when many)",
		Args:  exactArgs("DEPLOYMENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				d, err := rt.engine.Deployment(ctx, args[0])
				if err != nil {
					return err
				}
				// Whoever can open the files is an operator; --by names a
				// license admin acting through the operator, and must be one.
				if by != "" {
					l, err := rt.store.GetLicense(ctx, d.License)
					if err != nil {
						return err
					}
					if !l.IsAdmin(by) {
						return fmt.Errorf("undeploy %s: %s: %w", d.Name, by, engine.ErrNotLicenseAdmin)
					}
				} else {
					by = a.actor
				}
				run, err := rt.engine.Undeploy(ctx, args[0], by)
				if run.ID == 0 && err != nil {
					return err
				}
				if perr := a.printRuns([]syncstate.Run{run}); perr != nil {
					return perr
				}
				if err == nil && run.Result == syncstate.ResultHeld {
					fmt.Fprintf(a.stdout, "the removal of %d claims is held for approval: rollcall plans approve %s\n", run.Counts.HeldRemovals, run.PlanID)
				}
				return err
			})
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	c.Flags().StringVar(&by, "by", "", "email of the license admin undeploying, checked against the license (default: the --actor, as operator)")
	return c
}
