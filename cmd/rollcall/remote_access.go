package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
)

func remoteEntitlement(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, args []string) error {
	email, err := license.NormalizeEmail(args[0])
	if err != nil {
		return err
	}
	var ent license.Entitlement
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/entitlements/" + seg(email), out: &ent}); err != nil {
		return fmt.Errorf("entitlement of %s: %w", email, err)
	}
	return a.printEntitlement(email, ent)
}

// remoteRedeem redeems through the API. Its answer names the license but
// not its seats; the license is read after, for the same summary line
// (a token that may redeem but not read licenses gets the line without
// the free seats, and JSON with what the answer holds).
func remoteRedeem(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, args []string) error {
	key := args[0]
	if key == "-" {
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the key from stdin: %w", err)
		}
		key = strings.TrimSpace(line)
	}
	var out struct {
		Email   string `json:"email"`
		License struct {
			ID       string          `json:"id"`
			Name     string          `json:"name"`
			Type     license.Type    `json:"type"`
			Features map[string]bool `json:"features"`
		} `json:"license"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/redeem", body: map[string]string{"key": key, "email": args[1]}, out: &out}); err != nil {
		return err
	}
	l, err := rc.getLicense(ctx, out.License.ID)
	if err != nil {
		if a.jsonOut {
			return a.printJSON(out)
		}
		fmt.Fprintf(a.stdout, "%s is on license %s (%s).\n", out.Email, out.License.ID, printable(out.License.Name))
		return nil
	}
	if a.jsonOut {
		return a.printJSON(struct {
			Email   string      `json:"email"`
			License licenseView `json:"license"`
		}{out.Email, viewLicense(l, a.now())})
	}
	fmt.Fprintf(a.stdout, "%s is on license %s (%s); %s free.\n", out.Email, l.ID, printable(l.Name), plural(l.Free(), "seat", "seats"))
	return nil
}

func remoteDomainAdminSet(on bool) remoteRun {
	return func(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, args []string) error {
		domain, err := license.NormalizeDomain(args[0])
		if err != nil {
			return err
		}
		email, err := license.NormalizeEmail(args[1])
		if err != nil {
			return err
		}
		method := http.MethodPut
		if !on {
			method = http.MethodDelete
		}
		if _, err := rc.do(ctx, request{method: method, path: "/domains/" + seg(domain) + "/admins/" + seg(email)}); err != nil {
			return fmt.Errorf("domain %s admin %s: %w", domain, email, err)
		}
		if a.jsonOut {
			return a.printJSON(map[string]any{"domain": domain, "email": email, "admin": on})
		}
		if on {
			fmt.Fprintf(a.stdout, "%s is now an admin of %s.\n", email, domain)
		} else {
			fmt.Fprintf(a.stdout, "%s is no longer an admin of %s.\n", email, domain)
		}
		return nil
	}
}

func remoteDomainAdmins(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, args []string) error {
	domain, err := license.NormalizeDomain(args[0])
	if err != nil {
		return err
	}
	var out struct {
		Admins []string `json:"admins"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/domains/" + seg(domain) + "/admins", out: &out}); err != nil {
		return fmt.Errorf("admins of domain %s: %w", domain, err)
	}
	if a.jsonOut {
		return a.printJSON(map[string]any{"domain": domain, "admins": orEmpty(out.Admins)})
	}
	t := newTable(a.stdout, "ADMIN")
	for _, e := range out.Admins {
		t.row(e)
	}
	return t.flush()
}
