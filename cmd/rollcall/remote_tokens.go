package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license/auth"
)

func remoteTokenList(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, _ []string) error {
	var out struct {
		Tokens []auth.Token `json:"tokens"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/tokens", out: &out}); err != nil {
		return err
	}
	return a.printTokens(out.Tokens)
}

func remoteTokenCreate(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, _ []string) error {
	f := c.Flags()
	email, _ := f.GetString("email")
	role, _ := f.GetString("role")
	ttl, _ := f.GetString("ttl")
	note, _ := f.GetString("note")
	if email == "" {
		return usageErr(c, "--email is required")
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		return usageErr(c, "--role %q: must be operator, admin or application", role)
	}
	if _, err := auth.ParseTTL(ttl); err != nil {
		return usageErr(c, "--ttl %q: must be like 90d, 12h, or 0 for no expiry", ttl)
	}
	var out struct {
		Token string     `json:"token"`
		Info  auth.Token `json:"info"`
	}
	body := map[string]any{"email": email, "role": r, "ttl": ttl, "note": note}
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/tokens", body: body, out: &out}); err != nil {
		return asUsage(err, c.CommandPath())
	}
	return a.printNewToken(out.Token, out.Info)
}

func remoteTokenRevoke(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, args []string) error {
	if _, err := rc.do(ctx, request{method: http.MethodDelete, path: "/tokens/" + seg(args[0])}); err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(map[string]any{"id": args[0], "revoked": true})
	}
	fmt.Fprintf(a.stdout, "Revoked token %s.\n", args[0])
	return nil
}
