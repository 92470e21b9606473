package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// remoteConfigFlag refuses --config under --server: the server runs its
// own config, and a local one would be silently ignored.
func remoteConfigFlag(c *cobra.Command) error {
	if f := c.Flags().Lookup("config"); f != nil && f.Changed {
		return usageErr(c, "--config does not apply with --server: the server syncs from its own config")
	}
	return nil
}

// runPoll is how often a detached run is asked about.
const runPoll = 500 * time.Millisecond

// remoteSync starts a run on the server, which answers 202 at once with
// the run's id, and follows the run until it ends. Interrupted, the CLI
// stops following; the run goes on on the server.
func remoteSync(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	name := args[0]
	if dry, _ := c.Flags().GetBool("dry-run"); dry {
		return remoteDryRun(ctx, a, rc, name)
	}
	var run license.RunView
	status, err := rc.do(ctx, request{method: http.MethodPost, path: "/deployments/" + seg(name) + "/run", out: &run, accept: []int{http.StatusConflict}})
	if err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if status == http.StatusConflict {
		if perr := a.printRuns([]syncstate.Run{runOf(run)}); perr != nil {
			return perr
		}
		return fmt.Errorf("sync %s: a run of this deployment is still in progress on the server", name)
	}
	for run.Result == "running" {
		select {
		case <-ctx.Done():
			fmt.Fprintf(a.stderr, "rollcall: run %d goes on on the server; 'rollcall --server %s runs %s' shows it\n", run.ID, rc.base.Redacted(), name)
			return ctx.Err()
		case <-time.After(runPoll):
		}
		if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/deployments/" + seg(name) + "/runs/" + strconv.FormatUint(run.ID, 10), out: &run}); err != nil {
			return fmt.Errorf("sync %s: follow run %d: %w", name, run.ID, err)
		}
	}
	if err := a.printRuns([]syncstate.Run{runOf(run)}); err != nil {
		return err
	}
	return runFailure(name, run)
}

// runFailure is the error of a run that ended badly, after its record has
// been printed, so that the exit status says so as the local command's does.
func runFailure(name string, run license.RunView) error {
	switch run.Result {
	case "failed", "interrupted":
		return fmt.Errorf("sync %s: run %d %s: %s", name, run.ID, run.Result, cmpOr(run.Error, run.Reason))
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func remoteRuns(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	limit, _ := c.Flags().GetInt("limit")
	if limit < 1 || limit > 1000 {
		return usageErr(c, "--limit must be from 1 to 1000 with --server")
	}
	var out struct {
		Runs []license.RunView `json:"runs"`
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/deployments/" + seg(args[0]) + "/runs", query: q, out: &out}); err != nil {
		return err
	}
	runs := make([]syncstate.Run, len(out.Runs))
	for i, r := range out.Runs {
		runs[i] = runOf(r)
	}
	return a.printRuns(runs)
}

// remoteDeployments lists the deployments of every license the token
// manages: the API lists them per license.
func remoteDeployments(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, _ []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	var ls struct {
		Licenses []remoteLicense `json:"licenses"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/licenses", out: &ls}); err != nil {
		return err
	}
	var rows []deploymentRow
	for _, l := range ls.Licenses {
		if l.Access == "domain" {
			continue // domain admins do not manage deployments
		}
		var out struct {
			Deployments []license.DeploymentView `json:"deployments"`
		}
		if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/licenses/" + seg(l.ID) + "/deployments", out: &out}); err != nil {
			var re *remoteError
			if errors.As(err, &re) && re.Code == "not_configured" {
				return errors.New("the server runs no syncs: it has no deployments")
			}
			return fmt.Errorf("deployments of license %s: %w", l.ID, err)
		}
		for _, d := range out.Deployments {
			r := deploymentRow{Name: d.Name, Connector: d.Connector, License: d.License, Source: string(d.Source),
				Schedule: d.Schedule, RunTime: d.RunTime, Mode: d.Mode}
			if d.LastRun != nil {
				run := runOf(*d.LastRun)
				run.Connector = d.Connector
				r.LastRun = &run
			}
			if h := d.Health; h != nil {
				r.Health = &syncstate.Health{Deployment: d.Name, Failures: h.Failures, LastError: h.LastError,
					Quarantined: h.Quarantined, Since: h.Since, Until: h.Until, Reason: h.Reason}
			}
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(x, y deploymentRow) int { return strings.Compare(x.Name, y.Name) })
	return a.printDeployments(orEmpty(rows))
}

func remotePlansList(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, _ []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	if all, _ := c.Flags().GetBool("all"); all {
		return usageErr(c, "--all cannot be used with --server: the API lists the plans still pending")
	}
	deployment, _ := c.Flags().GetString("deployment")
	q := url.Values{}
	if deployment != "" {
		q.Set("deployment", deployment)
	}
	var out struct {
		Plans []license.PendingView `json:"plans"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/plans", query: q, out: &out}); err != nil {
		return err
	}
	var ps []syncstate.Pending
	for _, p := range out.Plans {
		ps = append(ps, syncstate.Pending{ID: p.ID, Deployment: p.Deployment, Created: p.Created, Removals: p.Removals,
			Summary: p.Summary, Status: p.Status, DecidedBy: p.DecidedBy})
	}
	return a.printPending(ps)
}

func remotePlansApprove(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	var run license.RunView
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/plans/" + seg(args[0]) + "/approve", out: &run}); err != nil {
		return fmt.Errorf("plan %s: %w", args[0], err)
	}
	if err := a.printRuns([]syncstate.Run{runOf(run)}); err != nil {
		return err
	}
	return runFailure(run.Deployment, run)
}

func remotePlansReject(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/plans/" + seg(args[0]) + "/reject"}); err != nil {
		return fmt.Errorf("plan %s: %w", args[0], err)
	}
	fmt.Fprintf(a.stdout, "plan %s rejected\n", args[0])
	return nil
}

// remoteUndeploy undeploys through the server; the token's owner is who
// undeploys, so --by (which names a license admin acting through the
// operator at the files) does not apply.
func remoteUndeploy(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	if c.Flags().Changed("by") {
		return usageErr(c, "--by does not apply with --server: the token's owner undeploys")
	}
	var run license.RunView
	if _, err := rc.do(ctx, request{method: http.MethodDelete, path: "/deployments/" + seg(args[0]), out: &run}); err != nil {
		return err
	}
	if err := a.printRuns([]syncstate.Run{runOf(run)}); err != nil {
		return err
	}
	if run.Result == string(syncstate.ResultHeld) {
		fmt.Fprintf(a.stdout, "the removal of %d claims is held for approval: rollcall plans approve %s\n", run.HeldRemovals, run.PlanID)
	}
	return runFailure(run.Deployment, run)
}
