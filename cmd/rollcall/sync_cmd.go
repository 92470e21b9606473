package main

import (
	"cmp"
	"context"
	"fmt"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

func (a *app) syncCmd() *cobra.Command {
	var cfgPath string
	var dryRun bool
	c := &cobra.Command{
		Use:   "sync DEPLOYMENT",
		Short: "Sync one deployment now, or print its plan with --dry-run",
		Long: `sync reads the deployment's source, plans the changes to its claims with
every guard evaluated, and applies them. With --dry-run it prints the plan
(counts, guards, then each change) and changes nothing.

The license store is a single-writer file: stop a running 'rollcall serve'
first, or let its schedule run the sync.`,
		Args: exactArgs("DEPLOYMENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return a.runtimeFor(!dryRun)(ctx, cfgPath, func(ctx context.Context, rt *runtime) error {
				if dryRun {
					plan, err := rt.engine.DryRun(ctx, args[0])
					if err != nil {
						return err
					}
					if a.jsonOut {
						return a.printJSON(plan)
					}
					return plan.WriteTable(a.stdout)
				}
				run, err := rt.engine.Run(ctx, args[0], engine.TriggerManual)
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
	c.Flags().StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	return c
}

func (a *app) runsCmd() *cobra.Command {
	var cfgPath string
	var limit int
	c := &cobra.Command{
		Use:   "runs DEPLOYMENT",
		Short: "Show the last sync runs of a deployment, newest first",
		Args:  exactArgs("DEPLOYMENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReadRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				if _, err := rt.engine.Deployment(ctx, args[0]); err != nil {
					return err
				}
				runs, err := rt.state.Runs(ctx, args[0], limit)
				if err != nil {
					return err
				}
				return a.printRuns(runs)
			})
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	c.Flags().IntVar(&limit, "limit", 20, "how many runs to show")
	return c
}

func (a *app) printRuns(runs []syncstate.Run) error {
	if a.jsonOut {
		return a.printJSON(runs)
	}
	t := newTable(a.stdout, "RUN", "DEPLOYMENT", "TRIGGER", "STARTED", "DURATION", "RESULT", "DESIRED", "ADDED", "UPDATED", "REMOVED", "OVERFLOW", "SKIPPED", "HELD", "PLAN", "ERROR")
	for _, r := range runs {
		t.row(strconv.FormatUint(r.ID, 10), r.Deployment, r.Trigger, fmtTime(r.Started), r.Ended.Sub(r.Started).Round(1e6).String(),
			string(r.Result), itoa(r.Counts.Desired), itoa(r.Counts.Added), itoa(r.Counts.Updated), itoa(r.Counts.Removed),
			itoa(r.Counts.Overflow), itoa(r.Counts.Skipped), itoa(r.Counts.HeldRemovals+r.Counts.HeldUpdates), r.PlanID, cmp.Or(r.Error, r.Reason))
	}
	return t.flush()
}

func (a *app) deploymentsCmd() *cobra.Command {
	var cfgPath string
	c := &cobra.Command{
		Use:   "deployments",
		Short: "List deployments with their schedule and last run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withReadRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				deps, err := rt.engine.Deployments(ctx)
				if err != nil {
					return err
				}
				rows := make([]deploymentRow, 0, len(deps))
				for _, d := range deps {
					r := deploymentRow{Name: d.Name, Connector: d.Connector, License: d.License, Source: string(d.Source()), Schedule: d.Schedule, RunTime: d.RunTime, Mode: d.SyncMode()}
					if h, err := rt.state.Health(ctx, d.Name); err != nil {
						return err
					} else if h.Failures > 0 || h.Quarantined {
						r.Health = &h
					}
					if last, ok, err := rt.state.LastRun(ctx, d.Name); err != nil {
						return err
					} else if ok {
						r.LastRun = &last
					}
					rows = append(rows, r)
				}
				return a.printDeployments(rows)
			})
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	return c
}

// deploymentRow is one line of deployments, and its --json.
type deploymentRow struct {
	Name, Connector, License, Source, Schedule string
	RunTime                                    bool
	Mode                                       string
	LastRun                                    *syncstate.Run    `json:",omitempty"`
	Health                                     *syncstate.Health `json:",omitempty"`
}

// printDeployments shows deployments, here or through --server.
func (a *app) printDeployments(rows []deploymentRow) error {
	if a.jsonOut {
		return a.printJSON(rows)
	}
	t := newTable(a.stdout, "DEPLOYMENT", "CONNECTOR", "LICENSE", "SCHEDULE", "LAST RUN", "RESULT")
	for _, r := range rows {
		last, result := "", ""
		if r.LastRun != nil {
			last, result = fmtTime(r.LastRun.Started), string(r.LastRun.Result)
		}
		if r.Health != nil && r.Health.Quarantined {
			result += " (quarantined until " + fmtTime(r.Health.Until) + ")"
		}
		t.row(r.Name, r.Connector, r.License, r.Schedule, last, result)
	}
	return t.flush()
}

func (a *app) plansCmd() *cobra.Command {
	var cfgPath string
	c := &cobra.Command{
		Use:   "plans",
		Short: "List, show, approve or reject sync plans held for approval",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRun,
	}
	c.PersistentFlags().StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")

	var deployment string
	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List held plans",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withReadRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				ps, err := rt.engine.ListPending(ctx, deployment, all)
				if err != nil {
					return err
				}
				return a.printPending(ps)
			})
		},
	}
	list.Flags().StringVar(&deployment, "deployment", "", "only this deployment's plans")
	list.Flags().BoolVar(&all, "all", false, "include approved, rejected and superseded plans")

	show := &cobra.Command{
		Use:   "show PLAN",
		Short: "Show a held plan and every removal it holds",
		Args:  exactArgs("PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReadRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				p, plan, err := rt.engine.PendingPlan(ctx, args[0])
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(struct {
						syncstate.Pending
						Plan any `json:"plan"`
					}{p, plan})
				}
				fmt.Fprintf(a.stdout, "plan %s for deployment %s, %s, created %s\n%s\n\n", p.ID, p.Deployment, p.Status, fmtTime(p.Created), p.Summary)
				return plan.WriteTable(a.stdout)
			})
		},
	}
	approve := &cobra.Command{
		Use:   "approve PLAN",
		Short: "Apply a held plan's removals (re-plans if the store moved since)",
		Args:  exactArgs("PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				run, err := rt.engine.Approve(ctx, args[0], a.actor)
				if err != nil && run.ID == 0 {
					return err
				}
				if perr := a.printRuns([]syncstate.Run{run}); perr != nil {
					return perr
				}
				return err
			})
		},
	}
	reject := &cobra.Command{
		Use:   "reject PLAN",
		Short: "Drop a held plan; its removals stay undone",
		Args:  exactArgs("PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withRuntime(cmd.Context(), cfgPath, func(ctx context.Context, rt *runtime) error {
				if err := rt.engine.Reject(ctx, args[0], a.actor); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "plan %s rejected\n", args[0])
				return nil
			})
		},
	}
	c.AddCommand(list, show, approve, reject)
	return c
}

// printPending shows held plans as plans list does, here or through --server.
func (a *app) printPending(ps []syncstate.Pending) error {
	if a.jsonOut {
		return a.printJSON(ps)
	}
	t := newTable(a.stdout, "PLAN", "DEPLOYMENT", "CREATED", "REMOVALS", "STATUS", "DECIDED BY", "SUMMARY")
	for _, p := range ps {
		t.row(p.ID, p.Deployment, fmtTime(p.Created), itoa(p.Removals), p.Status, p.DecidedBy, p.Summary)
	}
	return t.flush()
}

func itoa(n int) string { return strconv.Itoa(n) }
