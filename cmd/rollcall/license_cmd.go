package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

func (a *app) licenseCmd() *cobra.Command {
	return group("license", "Create, show, change and delete licenses",
		a.licenseCreateCmd(),
		a.licenseListCmd(),
		a.licenseShowCmd(),
		a.licenseUpdateCmd(),
		a.licenseDeleteCmd(),
		a.licenseRotateKeyCmd(),
		a.licenseHistoryCmd(),
	)
}

func (a *app) licenseCreateCmd() *cobra.Command {
	var (
		id, name, typ, expires, created string
		seats                           int
		domains, admins, features       []string
	)
	c := &cobra.Command{
		Use:   "create --name NAME --type TYPE --seats N",
		Short: "Create a license and print its key, once",
		Long: `Create a license. Its key is printed once and cannot be shown again:
only a hash is stored. "rollcall license rotate-key ID" makes a new one.

--expires is the date (00:00 UTC) from which the license takes no new members.`,
		Example: `  rollcall license create --name "Lincoln High" --type school --seats 1200 \
    --expires 2027-06-30 --domain lincoln.k12.example.us --admin it@lincoln.k12.example.us`,
		Args: exactArgs(),
		RunE: func(c *cobra.Command, _ []string) error {
			for _, f := range []string{"name", "type", "seats"} {
				if !c.Flags().Changed(f) {
					return usageErr(c, "--%s is required", f)
				}
			}
			t, err := license.ParseType(typ)
			if err != nil {
				return err
			}
			l := license.License{ID: id, Name: name, Type: t, Seats: seats, Domains: domains, Admins: admins}
			if expires != "" {
				if l.Expires, err = parseDate("expires", expires); err != nil {
					return err
				}
			}
			if created != "" {
				if l.Created, err = parseDate("created", created); err != nil {
					return err
				}
			}
			if l.Features, err = parseFeatures(features); err != nil {
				return err
			}
			now := a.now()
			plain, key := license.NewKey(now)
			l.Key = key
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				l, err := s.CreateLicense(ctx, l)
				if err != nil {
					return fmt.Errorf("create license: %w", err)
				}
				a.logger.Info("license created", "license", l.ID, "actor", a.actor)
				return a.printNewKey(l, plain, "Created license "+l.ID+".")
			})
		},
	}
	f := c.Flags()
	f.StringVar(&id, "id", "", "license id (default: 10 random characters); a-z, 0-9, - and _")
	f.StringVar(&name, "name", "", "license name (required)")
	f.StringVar(&typ, "type", "", "teacher, school, district, pro or work (required)")
	f.IntVar(&seats, "seats", 0, "licensed seats (required)")
	f.StringVar(&expires, "expires", "", "expiry date, YYYY-MM-DD (default: never)")
	f.StringVar(&created, "created", "", "creation date, YYYY-MM-DD, for licenses carried over from elsewhere (default: now)")
	f.StringArrayVar(&domains, "domain", nil, "email domain of a domain-wide deployment (repeatable)")
	f.StringArrayVar(&admins, "admin", nil, "license admin email (repeatable)")
	f.StringArrayVar(&features, "feature", nil, "feature permission NAME=on|off (repeatable)")
	return c
}

// printNewKey shows a license with its plaintext key, which exists only now.
func (a *app) printNewKey(l license.License, plain, headline string) error {
	if a.jsonOut {
		return a.printJSON(struct {
			License licenseView `json:"license"`
			Key     string      `json:"key"`
			Note    string      `json:"note"`
		}{viewLicense(l, a.now()), plain, "the key cannot be shown again"})
	}
	fmt.Fprintln(a.stdout, headline)
	if err := writeLicense(a.stdout, l, a.now()); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nLicense key: %s\n", plain)
	fmt.Fprintf(a.stdout, "Keep it now: it cannot be shown again. 'rollcall license rotate-key %s' replaces it.\n", l.ID)
	return nil
}

func (a *app) licenseListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List every license",
		Args:  exactArgs(),
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				ls, err := s.ListLicenses(ctx)
				if err != nil {
					return fmt.Errorf("list licenses: %w", err)
				}
				return a.printLicenses(ls)
			})
		},
	}
}

// printLicenses shows licenses as license list does, here or through --server.
func (a *app) printLicenses(ls []license.License) error {
	now := a.now()
	if a.jsonOut {
		out := make([]licenseView, len(ls))
		for i, l := range ls {
			out[i] = viewLicense(l, now)
		}
		return a.printJSON(out)
	}
	t := newTable(a.stdout, "ID", "NAME", "TYPE", "SEATS", "USED", "EXPIRES", "DOMAINS")
	for _, l := range ls {
		exp := fmtDate(l.Expires, "never")
		if l.Expired(now) {
			exp += " (expired)"
		}
		t.row(l.ID, l.Name, string(l.Type), fmt.Sprint(l.Seats), fmt.Sprint(l.Used), exp, strings.Join(l.Domains, ","))
	}
	return t.flush()
}

func (a *app) licenseShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one license",
		Args:  exactArgs("ID"),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				l, err := s.GetLicense(ctx, args[0])
				if err != nil {
					return fmt.Errorf("license %s: %w", args[0], err)
				}
				if a.jsonOut {
					return a.printJSON(viewLicense(l, a.now()))
				}
				return writeLicense(a.stdout, l, a.now())
			})
		},
	}
}

func (a *app) licenseRotateKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate-key ID",
		Short: "Replace a license's key; the old key stops working at once",
		Args:  exactArgs("ID"),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				plain, l, err := license.RotateKey(ctx, s, args[0], a.actor, a.now())
				if err != nil {
					return err
				}
				return a.printNewKey(l, plain, "New key for license "+l.ID+"; the old key no longer works.")
			})
		},
	}
}

func (a *app) licenseDeleteCmd() *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a license with its members and audit trail",
		Args:  exactArgs("ID"),
		RunE: func(c *cobra.Command, args []string) error {
			id := args[0]
			if !yes && !isTerminal(a.stdin) {
				return usageErr(c, "refusing to delete license %s without --yes: standard input is not a terminal to confirm on", id)
			}
			// Read, ask, then delete in a second open: the database lock
			// must not be held while a person decides.
			var l license.License
			err := a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) (err error) {
				l, err = s.GetLicense(ctx, id)
				if err != nil {
					return fmt.Errorf("license %s: %w", id, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if !yes {
				q := fmt.Sprintf("Delete license %s (%s) with its %s and audit trail?", l.ID, printable(l.Name), plural(l.Used, "member", "members"))
				if !a.confirm(q) {
					return fmt.Errorf("license %s not deleted", id)
				}
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				if err := s.DeleteLicense(ctx, id); err != nil {
					return fmt.Errorf("delete license %s: %w", id, err)
				}
				a.logger.Info("license deleted", "license", id, "actor", a.actor)
				if a.jsonOut {
					return a.printJSON(map[string]any{"deleted": id, "members": l.Used})
				}
				fmt.Fprintf(a.stdout, "Deleted license %s and its %s.\n", id, plural(l.Used, "member", "members"))
				return nil
			})
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return c
}
