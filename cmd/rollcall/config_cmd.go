package main

import (
	"fmt"
	"slices"
	"strings"

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
	var connectorType string
	example := &cobra.Command{
		Use:   "example [--connector TYPE|all]",
		Short: "Print a complete, commented example config file, or one connector type's settings",
		Long: `Without --connector, print a complete, commented example config file.
With --connector TYPE, print one complete, commented connector entry of
that type, every setting shown with its default, for the connectors: list.
--connector all prints an entry for every connector type.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !c.Flags().Changed("connector") {
				_, err := fmt.Fprint(a.stdout, config.Example())
				return err
			}
			out, err := connectorExamples(connectorType)
			if err != nil {
				return usageErr(c, "%v", err)
			}
			_, err = fmt.Fprint(a.stdout, out)
			return err
		},
	}
	example.Flags().StringVar(&connectorType, "connector", "", "a connector type, or all (types: "+strings.Join(connectors.Types(), ", ")+")")
	return group("config", "Check, show or print an example of the config file", check, show, example)
}

// connectorExamples returns the commented connector entry of typ, or of
// every registered type for "all", under a connectors: key so that the
// output is itself a valid fragment of a config file.
func connectorExamples(typ string) (string, error) {
	types := connectors.Types()
	if typ != "all" {
		if !slices.Contains(types, typ) {
			return "", fmt.Errorf("unknown connector type %q: want one of %s, or all", typ, strings.Join(types, ", "))
		}
		types = []string{typ}
	}
	var b strings.Builder
	b.WriteString("connectors:\n")
	for i, t := range types {
		cfg, err := connectors.NewConfig(t)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("\n")
		}
		ex, ok := cfg.(connectors.Exampler)
		if !ok {
			if typ != "all" {
				return "", fmt.Errorf("connector type %q has no documented example yet; its settings are in its package's Settings type", t)
			}
			fmt.Fprintf(&b, "  # %s: no documented example yet\n", t)
			continue
		}
		b.WriteString(ex.Example())
	}
	return b.String(), nil
}
