package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/scim"
)

// scimFile holds SCIM provisioning connections and the resources they
// pushed, beside the license database.
const scimFile = "scim.db"

func (a *app) scimCmd() *cobra.Command {
	return group("scim", "SCIM 2.0 provisioning from Entra ID, Okta and other identity providers",
		group("token", "Provisioning connections and their bearer tokens", a.scimTokenCreateCmd(), a.scimTokenRotateCmd()),
		a.scimListCmd(),
		a.scimApproveCmd(),
	)
}

// withSCIM opens scim.db beside the license database.
func (a *app) withSCIM(ctx context.Context, fn func(ctx context.Context, s *scim.BoltStore) error) (err error) {
	db, err := a.databasePath()
	if err != nil {
		return err
	}
	path := filepath.Join(filepath.Dir(db), scimFile)
	s, err := scim.OpenBolt(path, lockTimeout)
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return fmt.Errorf("%s is locked: another rollcall process (a running server?) holds it (waited %s)", path, lockTimeout)
		}
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return fn(ctx, s)
}

func (a *app) scimTokenCreateCmd() *cobra.Command {
	var name, defaultRole string
	var licenses, groupRoles []string
	var delMin int
	var delPercent float64
	c := &cobra.Command{
		Use:   "create --name CONNECTION --license ID [--license ID]... [--group-role GROUP=ROLE]...",
		Short: "Create a provisioning connection and print its bearer token once",
		Long: `create makes a SCIM provisioning connection for one identity provider
(an Entra ID enterprise app, an Okta app) scoped to the licenses named, and
prints its bearer token once: Rollcall keeps only its hash. Paste the
token and <public URL>/scim/v2 into the identity provider's provisioning
settings. People it pushes join the licenses with the source scim/<name>;
--group-role maps a pushed group's display name to a role.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if name == "" || len(licenses) == 0 {
				return usageErr(c, "--name and at least one --license are required")
			}
			conn := scim.Connection{Name: name, Licenses: licenses, GroupRoles: map[string]license.Role{},
				DeletionMin: delMin, DeletionPercent: delPercent, Created: a.now(), CreatedBy: a.actor}
			if defaultRole != "" {
				r, err := license.ParseRole(defaultRole)
				if err != nil {
					return usageErr(c, "--default-role %q: %v", defaultRole, err)
				}
				conn.DefaultRole = r
			}
			for _, gr := range groupRoles {
				g, r, ok := strings.Cut(gr, "=")
				role, err := license.ParseRole(r)
				if !ok || g == "" || err != nil {
					return usageErr(c, "--group-role %q: want GROUP=student|teacher|other", gr)
				}
				conn.GroupRoles[g] = role
			}
			if err := conn.Validate(); err != nil {
				return usageErr(c, "%v", err)
			}
			// The licenses must exist: a typo would provision nobody.
			if err := a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				for _, id := range licenses {
					if _, err := s.GetLicense(ctx, id); err != nil {
						return fmt.Errorf("--license %s: %w", id, err)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			token, hash, err := scim.NewToken()
			if err != nil {
				return err
			}
			conn.TokenHash, conn.TokenPrefix = hash, token[:12]
			return a.withSCIM(c.Context(), func(ctx context.Context, s *scim.BoltStore) error {
				if err := s.CreateConnection(ctx, conn); err != nil {
					return err
				}
				return a.printSCIMToken(conn, token)
			})
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "connection name, e.g. entra or okta (required)")
	f.StringArrayVar(&licenses, "license", nil, "license the pushed people join; repeatable (at least one)")
	f.StringArrayVar(&groupRoles, "group-role", nil, "GROUP=ROLE: members of the pushed group GROUP get ROLE; repeatable")
	f.StringVar(&defaultRole, "default-role", "student", "role of people in no mapped group")
	f.IntVar(&delMin, "deletion-min", 20, "removals an hour always allowed without approval")
	f.Float64Var(&delPercent, "deletion-percent", 10, "removals an hour allowed, as a percent of the connection's members")
	return c
}

func (a *app) scimTokenRotateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate CONNECTION",
		Short: "Replace a connection's bearer token (the old one stops working now)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			token, hash, err := scim.NewToken()
			if err != nil {
				return err
			}
			return a.withSCIM(c.Context(), func(ctx context.Context, s *scim.BoltStore) error {
				conn, err := s.UpdateConnection(ctx, args[0], func(c *scim.Connection) error {
					c.TokenHash, c.TokenPrefix = hash, token[:12]
					return nil
				})
				if err != nil {
					return err
				}
				return a.printSCIMToken(conn, token)
			})
		},
	}
}

func (a *app) printSCIMToken(conn scim.Connection, token string) error {
	if a.jsonOut {
		return a.printJSON(map[string]any{"connection": conn.Name, "licenses": conn.Licenses, "token": token, "tenant_path": scim.Prefix})
	}
	fmt.Fprintf(a.stdout, "SCIM connection %s provisions into %s.\n", conn.Name, strings.Join(conn.Licenses, ", "))
	fmt.Fprintln(a.stdout, "In the identity provider's provisioning settings:")
	fmt.Fprintf(a.stdout, "  Tenant URL / SCIM base URL:  <your Rollcall URL>%s\n", scim.Prefix)
	fmt.Fprintln(a.stdout, "  Secret token / API token (copy it now; it is not shown again):")
	fmt.Fprintln(a.stdout)
	fmt.Fprintf(a.stdout, "  %s\n", token)
	return nil
}

func (a *app) scimListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "connections",
		Short: "List provisioning connections (never their tokens)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withSCIM(c.Context(), func(ctx context.Context, s *scim.BoltStore) error {
				conns, err := s.Connections(ctx)
				if err != nil {
					return err
				}
				type row struct {
					Name     string   `json:"name"`
					Licenses []string `json:"licenses"`
					Token    string   `json:"token_prefix"`
					Held     int      `json:"held_users"`
					Created  string   `json:"created"`
				}
				rows := []row{}
				for _, c := range conns {
					rows = append(rows, row{c.Name, c.Licenses, c.TokenPrefix + "…", len(c.HeldUsers), c.Created.Format(time.DateOnly)})
				}
				if a.jsonOut {
					return a.printJSON(rows)
				}
				if len(rows) == 0 {
					fmt.Fprintln(a.stdout, "No SCIM connections. Create one with: rollcall scim token create --name entra --license ID")
					return nil
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tLICENSES\tTOKEN\tHELD\tCREATED")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.Name, strings.Join(r.Licenses, ","), r.Token, r.Held, r.Created)
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) scimApproveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "approve CONNECTION",
		Short: "Apply the claim removals the deletion guard held back, reconciling every pushed person",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, ls *bolt.Store) error {
				return a.withSCIM(ctx, func(ctx context.Context, s *scim.BoltStore) error {
					srv := scim.New(scim.Options{Store: s, Licenses: ls, Logger: a.logger})
					res, err := srv.Reconcile(ctx, args[0], nil, nil, true)
					if err != nil {
						return err
					}
					if a.jsonOut {
						return a.printJSON(res)
					}
					fmt.Fprintf(a.stdout, "Reconciled %d people of %s: %d members added, %d claims removed (%d members left).\n",
						res.Users, args[0], res.Applied.MembersAdded, res.Applied.ClaimsRemoved, res.Applied.MembersRemoved)
					return nil
				})
			})
		},
	}
}

// mountSCIM serves /scim/v2 from scim.db beside the license database;
// the runtime closes it.
func (a *app) mountSCIM(mux *http.ServeMux, rt *runtime) error {
	path := filepath.Join(filepath.Dir(rt.files.store), scimFile)
	s, err := scim.OpenBolt(path, lockTimeout)
	if err != nil {
		return lockedErr(path, err)
	}
	rt.scim = s
	mux.Handle(scim.Prefix+"/", scim.New(scim.Options{Store: s, Licenses: rt.store, Logger: a.logger.With("component", "scim")}))
	return nil
}
