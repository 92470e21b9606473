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

func (a *app) lmsCmd() *cobra.Command {
	var cfgPath, licenseID, vendor, connector, name string
	var units, roles []string
	link := &cobra.Command{
		Use:   "link --license L --connector C [--vendor V] [--unit U]... [--role VENDOR_ROLE=ROLE]...",
		Short: "Link a license to its primary LMS: test the link, deploy its courses, sync",
		Long: `link records the license's primary LMS (vendor, base URL, connector),
tests the link with one call to the vendor, creates the deployment that
makes the teachers and students of the selected units (courses, sections,
schools, accounts) members, and runs its first sync. Every later sync
updates the link's status and last error, shown by 'license show'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if licenseID == "" || connector == "" {
				return usageErr(cmd, "--license and --connector are required")
			}
			roleMap := map[string]license.Role{}
			for _, r := range roles {
				k, v, ok := strings.Cut(r, "=")
				role, err := license.ParseRole(v)
				if !ok || err != nil {
					return usageErr(cmd, "--role %q: want VENDOR_ROLE=student|teacher|other", r)
				}
				roleMap[k] = role
			}
			return a.withRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				d, run, err := rt.engine.LinkLMS(ctx, engine.LinkLMSRequest{License: licenseID, Vendor: vendor, Connector: connector,
					Units: units, Roles: roleMap, Name: name, By: a.actor})
				if run.ID == 0 && err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "license %s linked to %s through deployment %s\n", licenseID, connector, d.Name)
				if perr := a.printRuns([]syncstate.Run{run}); perr != nil {
					return perr
				}
				return err
			})
		},
	}
	f := link.Flags()
	f.StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	f.StringVar(&licenseID, "license", "", "license to link")
	f.StringVar(&vendor, "vendor", "", "LMS vendor (default: the connector's type)")
	f.StringVar(&connector, "connector", "", "connector reading the LMS (its name in the config)")
	f.StringArrayVar(&units, "unit", nil, "what to take from the LMS, as the connector names it (e.g. course:123, account:1, org:school-1); repeatable; none: everything")
	f.StringArrayVar(&roles, "role", nil, "map a vendor role to a Rollcall role, e.g. ObserverEnrollment=other; repeatable")
	f.StringVar(&name, "name", "", "deployment name (default <license>-lms)")
	return group("lms", "Link licenses to their primary learning management system", link)
}
