package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

func (a *app) configCmd() *cobra.Command {
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a config file, its connectors' settings and deployments, without running anything",
		Args:  exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0])
			if err != nil {
				return err
			}
			// Opening connectors decodes and validates their settings; it
			// does not touch the network.
			conns, deps, err := connectors.Open(cfg, connectors.OpenOptions{Logger: a.logger})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: OK (%d connectors, %d deployments)\n", args[0], len(conns), len(deps))
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show FILE",
		Short: "Print a config file with defaults filled in and secrets redacted",
		Args:  exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0])
			if err != nil {
				return err
			}
			out, err := cfg.Redacted()
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(out)
			return err
		},
	}
	example := &cobra.Command{
		Use:   "example",
		Short: "Print a complete, commented example config file",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(a.stdout, config.Example())
			return err
		},
	}
	return group("config", "Check, show or print an example of the config file", check, show, example)
}
