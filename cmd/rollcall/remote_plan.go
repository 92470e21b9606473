package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
)

// writePlanView prints a plan as the API shows it. The API's plan has no
// source, creation time, counts of current and unchanged members, or
// guard names, so this is not the local plan table: its first line says
// so, and the change table below it has the local columns.
func writePlanView(w io.Writer, p license.PlanView) error {
	fmt.Fprintf(w, "plan for deployment %s on license %s (as the server's API shows it)\n", printable(p.Deployment), printable(p.License))
	fmt.Fprintf(w, "add %d  update %d  remove %d  overflow %d\n", len(p.Adds), len(p.Updates), len(p.Removes), len(p.Overflow))
	if p.Held {
		fmt.Fprintf(w, "held: the %d removals wait for approval\n", len(p.Removes))
	}
	if len(p.Guards) == 0 {
		fmt.Fprintln(w, "guards: none")
	} else {
		fmt.Fprintln(w, "guards:")
		for _, g := range p.Guards {
			fmt.Fprintf(w, "  %s\n", printable(g))
		}
	}
	if len(p.Adds)+len(p.Updates)+len(p.Removes)+len(p.Overflow) == 0 {
		_, err := fmt.Fprintln(w, "no changes")
		return err
	}
	fmt.Fprintln(w)
	t := newTable(w, "ACTION", "EMAIL", "NAME", "ROLE", "ORG_UNIT", "DETAIL")
	for _, a := range p.Adds {
		t.row("add", a.Email, a.Name, string(a.Role), a.OrgUnit, a.Detail)
	}
	for _, u := range p.Updates {
		t.row("update", u.Email, u.Name, string(u.Role), u.OrgUnit, u.Detail)
	}
	removeDetail := ""
	if p.Held {
		removeDetail = "held for approval"
	}
	for _, r := range p.Removes {
		t.row("remove", r.Email, r.Name, string(r.Role), r.OrgUnit, removeDetail)
	}
	for _, o := range p.Overflow {
		t.row("overflow", o.Email, "", string(o.Role), "", o.Reason)
	}
	return t.flush()
}

func remotePlansShow(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	if err := remoteConfigFlag(c); err != nil {
		return err
	}
	var out struct {
		Pending license.PendingView `json:"pending"`
		Plan    license.PlanView    `json:"plan"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/plans/" + seg(args[0]), out: &out}); err != nil {
		return fmt.Errorf("plan %s: %w", args[0], err)
	}
	if a.jsonOut {
		return a.printJSON(struct {
			license.PendingView
			Plan license.PlanView `json:"plan"`
		}{out.Pending, out.Plan})
	}
	p := out.Pending
	fmt.Fprintf(a.stdout, "plan %s for deployment %s, %s, created %s\n%s\n\n", p.ID, p.Deployment, p.Status, fmtTime(p.Created), p.Summary)
	return writePlanView(a.stdout, out.Plan)
}

// remoteDryRun is sync --dry-run through the server.
func remoteDryRun(ctx context.Context, a *app, rc *remoteClient, name string) error {
	var plan license.PlanView
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/deployments/" + seg(name) + "/dry-run", out: &plan}); err != nil {
		return fmt.Errorf("dry run %s: %w", name, err)
	}
	if a.jsonOut {
		return a.printJSON(plan)
	}
	return writePlanView(a.stdout, plan)
}
