package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// tokenCmd manages API tokens for scripts, applications and dashboard
// sign-in. Tokens live in auth.db beside the license database.
func (a *app) tokenCmd() *cobra.Command {
	return group("token", "Create, list and revoke API tokens",
		a.tokenCreateCmd(),
		a.tokenListCmd(),
		a.tokenRevokeCmd(),
	)
}

// authPath is auth.db in the license database's directory.
func (a *app) authPath() (string, error) {
	db, err := a.databasePath()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(db), authFile), nil
}

// withAuth opens auth.db, runs fn and closes it.
func (a *app) withAuth(ctx context.Context, fn func(ctx context.Context, s *auth.Store) error) (err error) {
	if done, err := a.withConfiguredAuth(ctx, fn); done { // store.driver postgres: auth_open.go
		return err
	}
	path, err := a.authPath()
	if err != nil {
		return err
	}
	s, err := auth.Open(path, auth.Options{Timeout: lockTimeout, Logger: a.logger, Now: a.now})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return fmt.Errorf("token database %s is locked: another rollcall process holds it (waited %s)%s", path, lockTimeout, serverHint)
		}
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close token database %s: %w", path, cerr)
		}
	}()
	return fn(ctx, s)
}

func (a *app) tokenCreateCmd() *cobra.Command {
	var email, role, ttl, note string
	c := &cobra.Command{
		Use:   "create --email EMAIL --role ROLE",
		Short: "Create an API token and print it once",
		Long: `create makes an API token for EMAIL with ROLE (operator, admin or
application) and prints it. The token is shown only now: Rollcall keeps
its hash, never the token. Use it as "Authorization: Bearer <token>", or
paste it into the dashboard's sign-in page.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if email == "" {
				return usageErr(c, "--email is required")
			}
			r, err := auth.ParseRole(role)
			if err != nil {
				return usageErr(c, "--role %q: must be operator, admin or application", role)
			}
			d, err := auth.ParseTTL(ttl)
			if err != nil {
				return usageErr(c, "--ttl %q: must be like 90d, 12h, or 0 for no expiry", ttl)
			}
			return a.withAuth(c.Context(), func(ctx context.Context, s *auth.Store) error {
				plain, t, err := s.CreateToken(ctx, email, r, d, note)
				if err != nil {
					return err
				}
				return a.printNewToken(plain, t)
			})
		},
	}
	c.Flags().StringVar(&email, "email", "", "who the token acts as (required)")
	c.Flags().StringVar(&role, "role", "", "operator, admin or application (required)")
	c.Flags().StringVar(&ttl, "ttl", "90d", "lifetime, e.g. 90d or 12h; 0 never expires")
	c.Flags().StringVar(&note, "note", "", "what the token is for, shown in token list")
	return c
}

func tokenState(t auth.Token, a *app) string {
	switch {
	case !t.Revoked.IsZero():
		return "revoked"
	case t.Expired(a.now()):
		return "expired"
	}
	return "active"
}

func (a *app) tokenListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never the tokens themselves)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withAuth(c.Context(), func(ctx context.Context, s *auth.Store) error {
				ts, err := s.ListTokens(ctx)
				if err != nil {
					return err
				}
				return a.printTokens(ts)
			})
		},
	}
}

// printNewToken shows a token just made, the only time it is shown, here
// or through --server.
func (a *app) printNewToken(plain string, t auth.Token) error {
	if a.jsonOut {
		return a.printJSON(map[string]any{"token": plain, "info": t})
	}
	fmt.Fprintf(a.stdout, "Created token %s for %s (%s), expires %s.\n", t.ID, t.Email, t.Role, fmtDate(t.Expires, "never"))
	fmt.Fprintln(a.stdout, "Copy it now; it is not shown again:")
	fmt.Fprintln(a.stdout)
	fmt.Fprintf(a.stdout, "  %s\n", plain)
	return nil
}

// printTokens shows tokens as token list does, here or through --server.
func (a *app) printTokens(ts []auth.Token) error {
	if a.jsonOut {
		if ts == nil {
			ts = []auth.Token{}
		}
		return a.printJSON(ts)
	}
	if len(ts) == 0 {
		fmt.Fprintln(a.stdout, "No tokens. Create one with: rollcall token create --email EMAIL --role ROLE")
		return nil
	}
	tb := newTable(a.stdout, "ID", "PREFIX", "EMAIL", "ROLE", "STATE", "CREATED", "EXPIRES", "NOTE")
	for _, t := range ts {
		tb.row(t.ID, t.Prefix+"…", t.Email, string(t.Role), tokenState(t, a), fmtDate(t.Created, "-"), fmtDate(t.Expires, "never"), t.Note)
	}
	return tb.flush()
}

func (a *app) tokenRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token; it stops working at once",
		Args:  exactArgs("ID"),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withAuth(c.Context(), func(ctx context.Context, s *auth.Store) error {
				if err := s.Revoke(ctx, args[0]); err != nil {
					return err
				}
				a.logger.Info("token revoked", "token_id", args[0], "actor", a.actor)
				if a.jsonOut {
					return a.printJSON(map[string]any{"id": args[0], "revoked": true})
				}
				fmt.Fprintf(a.stdout, "Revoked token %s.\n", args[0])
				return nil
			})
		},
	}
}
