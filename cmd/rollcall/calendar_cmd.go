package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/connectors"
)

func (a *app) calendarCmd() *cobra.Command {
	var cfgPath string
	c := &cobra.Command{
		Use:   "calendar",
		Short: "Show the config's calendar windows (blackout, additions-only) and which is in force",
		Long: `calendar lists the dated windows of the config's calendar: in a blackout
window syncs of the licenses or deployments it names are skipped (recorded
with the reason); in an additions-only window they add and update, and hold
every removal for approval. The first run after a window resyncs in full and
measures its deletion limit against the claims from before the window.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig(cfgPath)
			if err != nil {
				return err
			}
			now := a.now()
			type row struct {
				connectors.Window
				State string `json:"state"` // active, upcoming or past
			}
			rows := []row{}
			for _, w := range connectors.Calendar(cfg) {
				state := "upcoming"
				switch {
				case w.Open(now):
					state = "active"
				case !now.Before(w.End):
					state = "past"
				}
				rows = append(rows, row{Window: w, State: state})
			}
			if a.jsonOut {
				return a.printJSON(rows)
			}
			t := newTable(a.stdout, "WINDOW", "KIND", "FROM", "UNTIL", "APPLIES TO", "STATE")
			for _, r := range rows {
				to := "every license"
				if len(r.Licenses)+len(r.Deployments) > 0 {
					var parts []string
					for _, l := range r.Licenses {
						parts = append(parts, "license "+l)
					}
					for _, d := range r.Deployments {
						parts = append(parts, "deployment "+d)
					}
					to = strings.Join(parts, ", ")
				}
				t.row(r.Name, r.Kind, r.Start.Format(time.DateOnly), r.End.Add(-time.Nanosecond).Format(time.DateOnly), to, r.State)
			}
			return t.flush()
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	return c
}
