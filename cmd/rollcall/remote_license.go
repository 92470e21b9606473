package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
)

// remoteLicense is a license as the API answers it, with the caller's
// access, which the CLI does not print.
type remoteLicense struct {
	license.View
	Access string `json:"access"`
}

// remoteNewKey is the answer of a create or a key rotation: the only time
// the key is shown.
type remoteNewKey struct {
	License remoteLicense `json:"license"`
	Key     string        `json:"key"`
}

func (rc *remoteClient) getLicense(ctx context.Context, id string) (license.License, error) {
	var v remoteLicense
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/licenses/" + seg(id), out: &v}); err != nil {
		return license.License{}, err
	}
	return licenseOf(v.View), nil
}

func remoteLicenseList(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, _ []string) error {
	var out struct {
		Licenses []remoteLicense `json:"licenses"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/licenses", out: &out}); err != nil {
		return fmt.Errorf("list licenses: %w", err)
	}
	ls := make([]license.License, len(out.Licenses))
	for i, v := range out.Licenses {
		ls[i] = licenseOf(v.View)
	}
	return a.printLicenses(ls)
}

func remoteLicenseShow(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, args []string) error {
	l, err := rc.getLicense(ctx, args[0])
	if err != nil {
		return fmt.Errorf("license %s: %w", args[0], err)
	}
	if a.jsonOut {
		return a.printJSON(viewLicense(l, a.now()))
	}
	return writeLicense(a.stdout, l, a.now())
}

func remoteLicenseCreate(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, _ []string) error {
	f := c.Flags()
	for _, name := range []string{"name", "type", "seats"} {
		if !f.Changed(name) {
			return usageErr(c, "--%s is required", name)
		}
	}
	if f.Changed("created") {
		return usageErr(c, "--created cannot be set through --server: the server dates a license it creates")
	}
	id, _ := f.GetString("id")
	name, _ := f.GetString("name")
	typ, _ := f.GetString("type")
	seats, _ := f.GetInt("seats")
	expires, _ := f.GetString("expires")
	domains, _ := f.GetStringArray("domain")
	admins, _ := f.GetStringArray("admin")
	features, _ := f.GetStringArray("feature")
	t, err := license.ParseType(typ)
	if err != nil {
		return err
	}
	body := map[string]any{"id": id, "name": name, "type": t, "seats": seats, "domains": domains, "admins": admins}
	if expires != "" {
		exp, err := parseDate("expires", expires)
		if err != nil {
			return err
		}
		body["expires"] = exp.Format(time.RFC3339)
	}
	feats, err := parseFeatures(features)
	if err != nil {
		return err
	}
	if feats != nil {
		body["features"] = feats
	}
	var out remoteNewKey
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/licenses", body: body, out: &out}); err != nil {
		return asUsage(fmt.Errorf("create license: %w", err), c.CommandPath())
	}
	l := licenseOf(out.License.View)
	return a.printNewKey(l, out.Key, "Created license "+l.ID+".")
}

func remoteLicenseRotateKey(ctx context.Context, a *app, rc *remoteClient, _ *cobra.Command, args []string) error {
	var out remoteNewKey
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/licenses/" + seg(args[0]) + "/key", out: &out}); err != nil {
		return fmt.Errorf("rotate the key of license %s: %w", args[0], err)
	}
	l := licenseOf(out.License.View)
	return a.printNewKey(l, out.Key, "New key for license "+l.ID+"; the old key no longer works.")
}

func remoteLicenseDelete(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	id := args[0]
	yes, _ := c.Flags().GetBool("yes")
	if !yes && !isTerminal(a.stdin) {
		return usageErr(c, "refusing to delete license %s without --yes: standard input is not a terminal to confirm on", id)
	}
	l, err := rc.getLicense(ctx, id)
	if err != nil {
		return fmt.Errorf("license %s: %w", id, err)
	}
	if !yes {
		q := fmt.Sprintf("Delete license %s (%s) with its %s and audit trail?", l.ID, printable(l.Name), plural(l.Used, "member", "members"))
		if !a.confirm(q) {
			return fmt.Errorf("license %s not deleted", id)
		}
	}
	if _, err := rc.do(ctx, request{method: http.MethodDelete, path: "/licenses/" + seg(id)}); err != nil {
		return fmt.Errorf("delete license %s: %w", id, err)
	}
	if a.jsonOut {
		return a.printJSON(map[string]any{"deleted": id, "members": l.Used})
	}
	fmt.Fprintf(a.stdout, "Deleted license %s and its %s.\n", id, plural(l.Used, "member", "members"))
	return nil
}

// remoteLicenseUpdate reads the license, applies the flags to it as the
// local command does, and sends what changed: PATCH for the license's
// fields, PUT for its features. Lists (domains, admins, features) are
// sent whole, so an edit made by someone else between the read and the
// write is overwritten; the local command does it in one transaction.
func remoteLicenseUpdate(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	f := c.Flags()
	id := args[0]
	if !anyChanged(c, "name", "seats", "expires", "no-expiry", "add-domain", "remove-domain",
		"add-admin", "remove-admin", "feature", "lms-vendor", "lms-url") {
		return usageErr(c, "nothing to update: give at least one flag")
	}
	noExpiry, _ := f.GetBool("no-expiry")
	if f.Changed("expires") && noExpiry {
		return usageErr(c, "--expires and --no-expiry contradict each other")
	}
	patch := map[string]any{}
	if f.Changed("name") {
		patch["name"], _ = f.GetString("name")
	}
	if f.Changed("seats") {
		patch["seats"], _ = f.GetInt("seats")
	}
	if f.Changed("expires") {
		s, _ := f.GetString("expires")
		t, err := parseDate("expires", s)
		if err != nil {
			return err
		}
		patch["expires"] = t.Format(time.RFC3339)
	}
	if noExpiry {
		patch["expires"] = ""
	}
	norm := func(flag string, fn func(string) (string, error)) ([]string, error) {
		vals, _ := f.GetStringArray(flag)
		out := make([]string, len(vals))
		for i, v := range vals {
			n, err := fn(v)
			if err != nil {
				return nil, fmt.Errorf("--%s: %w", flag, err)
			}
			out[i] = n
		}
		return out, nil
	}
	addD, err := norm("add-domain", license.NormalizeDomain)
	if err != nil {
		return err
	}
	rmD, err := norm("remove-domain", license.NormalizeDomain)
	if err != nil {
		return err
	}
	addA, err := norm("add-admin", license.NormalizeEmail)
	if err != nil {
		return err
	}
	rmA, err := norm("remove-admin", license.NormalizeEmail)
	if err != nil {
		return err
	}
	features, _ := f.GetStringArray("feature")
	feats, err := parseFeatures(features)
	if err != nil {
		return err
	}
	var lmsURL string
	if f.Changed("lms-url") {
		raw, _ := f.GetString("lms-url")
		if lmsURL, err = checkLMSURL(raw); err != nil {
			return err
		}
	}

	cur, err := rc.getLicense(ctx, id)
	if err != nil {
		return fmt.Errorf("update license %s: %w", id, err)
	}
	if len(addD)+len(rmD) > 0 {
		ds := append([]string(nil), cur.Domains...)
		ds = append(ds, addD...)
		for _, d := range rmD {
			if err := removeItem(&ds, d, "domain", id); err != nil {
				return fmt.Errorf("update license %s: %w", id, err)
			}
		}
		patch["domains"] = orEmpty(ds)
	}
	if len(addA)+len(rmA) > 0 {
		as := append([]string(nil), cur.Admins...)
		as = append(as, addA...)
		for _, e := range rmA {
			if err := removeItem(&as, e, "admin", id); err != nil {
				return fmt.Errorf("update license %s: %w", id, err)
			}
		}
		patch["admins"] = orEmpty(as)
	}
	if f.Changed("lms-vendor") || f.Changed("lms-url") {
		lms := map[string]string{"vendor": cur.LMS.Vendor, "base_url": cur.LMS.BaseURL, "connector": cur.LMS.Connector}
		if f.Changed("lms-vendor") {
			v, _ := f.GetString("lms-vendor")
			lms["vendor"] = strings.ToLower(strings.TrimSpace(v))
		}
		if f.Changed("lms-url") {
			lms["base_url"] = lmsURL
		}
		patch["lms"] = lms
	}
	if len(patch) > 0 {
		if _, err := rc.do(ctx, request{method: http.MethodPatch, path: "/licenses/" + seg(id), body: patch, out: &remoteLicense{}}); err != nil {
			return asUsage(fmt.Errorf("update license %s: %w", id, err), c.CommandPath())
		}
	}
	if len(feats) > 0 {
		all := maps.Clone(cur.Features)
		if all == nil {
			all = map[string]bool{}
		}
		maps.Copy(all, feats)
		if _, err := rc.do(ctx, request{method: http.MethodPut, path: "/licenses/" + seg(id) + "/features", body: map[string]any{"features": all}, out: &struct{}{}}); err != nil {
			return asUsage(fmt.Errorf("update license %s: %w", id, err), c.CommandPath())
		}
	}
	l, err := rc.getLicense(ctx, id)
	if err != nil {
		return fmt.Errorf("update license %s: %w", id, err)
	}
	if a.jsonOut {
		return a.printJSON(viewLicense(l, a.now()))
	}
	fmt.Fprintf(a.stdout, "Updated license %s.\n", l.ID)
	return writeLicense(a.stdout, l, a.now())
}
