package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

func (a *app) entitlementCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "entitlement EMAIL",
		Short: "Show which licenses hold an email and the feature permissions it gets",
		Args:  exactArgs("EMAIL"),
		RunE: func(c *cobra.Command, args []string) error {
			email, err := license.NormalizeEmail(args[0])
			if err != nil {
				return err
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				ent, err := s.Entitlement(ctx, email)
				if err != nil {
					return fmt.Errorf("entitlement of %s: %w", email, err)
				}
				return a.printEntitlement(email, ent)
			})
		},
	}
}

// printEntitlement shows what entitlement shows, here or through --server.
func (a *app) printEntitlement(email string, ent license.Entitlement) error {
	if a.jsonOut {
		ent.Licenses = orEmpty(ent.Licenses)
		if ent.Features == nil {
			ent.Features = map[string]bool{}
		}
		return a.printJSON(ent)
	}
	if len(ent.Licenses) == 0 {
		fmt.Fprintf(a.stdout, "%s holds no license.\n", email)
		return nil
	}
	t := newTable(a.stdout, "LICENSE", "NAME", "TYPE", "VIA", "FEATURES")
	for _, g := range ent.Licenses {
		t.row(g.License, g.Name, string(g.Type), g.Via, formatFeatures(g.Features))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nEffective features: %s\n", cell(formatFeatures(ent.Features)))
	return nil
}

func (a *app) redeemCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "redeem KEY EMAIL",
		Short: `Join the license whose key is KEY (KEY "-" reads it from stdin)`,
		Long: `Put EMAIL on the license whose key is KEY, with a "key" claim. Case,
spaces and dashes in the key do not matter. Give "-" as KEY to read it from
stdin and keep it out of the shell history and process list.`,
		Args: exactArgs("KEY", "EMAIL"),
		RunE: func(c *cobra.Command, args []string) error {
			key := args[0]
			if key == "-" {
				line, err := bufio.NewReader(a.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("read the key from stdin: %w", err)
				}
				key = strings.TrimSpace(line)
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				l, err := license.Redeem(ctx, s, key, args[1], a.now())
				if err != nil {
					return err
				}
				email, _ := license.NormalizeEmail(args[1])
				if a.jsonOut {
					return a.printJSON(struct {
						Email   string      `json:"email"`
						License licenseView `json:"license"`
					}{email, viewLicense(l, a.now())})
				}
				fmt.Fprintf(a.stdout, "%s is on license %s (%s); %s free.\n", email, l.ID, printable(l.Name), plural(l.Free(), "seat", "seats"))
				return nil
			})
		},
	}
}

func (a *app) domainCmd() *cobra.Command {
	admin := group("admin", "Make an email an admin of a domain, or stop it being one",
		a.domainAdminSetCmd("add", true),
		a.domainAdminSetCmd("remove", false),
	)
	return group("domain", "Manage domain admins (a role per email domain)",
		admin,
		a.domainAdminsCmd(),
	)
}

func (a *app) domainAdminSetCmd(verb string, on bool) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " DOMAIN EMAIL",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " a domain admin",
		Args:  exactArgs("DOMAIN", "EMAIL"),
		RunE: func(c *cobra.Command, args []string) error {
			domain, err := license.NormalizeDomain(args[0])
			if err != nil {
				return err
			}
			email, err := license.NormalizeEmail(args[1])
			if err != nil {
				return err
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				if err := s.SetDomainAdmin(ctx, domain, email, on); err != nil {
					return fmt.Errorf("domain %s admin %s: %w", domain, email, err)
				}
				a.logger.Info("domain admin changed", "domain", domain, "email", email, "admin", on, "actor", a.actor)
				if a.jsonOut {
					return a.printJSON(map[string]any{"domain": domain, "email": email, "admin": on})
				}
				if on {
					fmt.Fprintf(a.stdout, "%s is now an admin of %s.\n", email, domain)
				} else {
					fmt.Fprintf(a.stdout, "%s is no longer an admin of %s.\n", email, domain)
				}
				return nil
			})
		},
	}
}

func (a *app) domainAdminsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "admins DOMAIN",
		Short: "List the admins of a domain",
		Args:  exactArgs("DOMAIN"),
		RunE: func(c *cobra.Command, args []string) error {
			domain, err := license.NormalizeDomain(args[0])
			if err != nil {
				return err
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				admins, err := s.DomainAdmins(ctx, domain)
				if err != nil {
					return fmt.Errorf("admins of domain %s: %w", domain, err)
				}
				if a.jsonOut {
					return a.printJSON(map[string]any{"domain": domain, "admins": orEmpty(admins)})
				}
				t := newTable(a.stdout, "ADMIN")
				for _, e := range admins {
					t.row(e)
				}
				return t.flush()
			})
		},
	}
}
