package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/csvio"
)

// apiPageMax is the most members one API page holds.
const apiPageMax = 1000

func remoteMembersList(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, _ []string) error {
	f := c.Flags()
	id, _ := f.GetString("license")
	filter, _ := f.GetString("filter")
	sortBy, _ := f.GetString("sort")
	cursor, _ := f.GetString("cursor")
	limit, _ := f.GetInt("limit")
	if err := requireLicense(c, id); err != nil {
		return err
	}
	// Checked here first so a bad query gets the caret the local command shows.
	if _, err := parseFilter(filter); err != nil {
		return err
	}
	if _, _, err := license.ParseSort(sortBy); err != nil {
		return fmt.Errorf("--sort: %w", err)
	}
	if limit < 0 {
		return usageErr(c, "--limit must not be negative")
	}
	// As listUpTo: up to limit members (0: all), a page of at most
	// apiPageMax at a time.
	var out license.Page
	for {
		want := apiPageMax
		if limit > 0 {
			want = min(apiPageMax, limit-len(out.Members))
		}
		q := url.Values{"sort": {sortBy}, "limit": {strconv.Itoa(want)}}
		if strings.TrimSpace(filter) != "" {
			q.Set("q", filter)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page license.Page
		if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/licenses/" + seg(id) + "/members", query: q, out: &page}); err != nil {
			return asUsage(fmt.Errorf("list members of license %s: %w", id, err), c.CommandPath())
		}
		out.Members = append(out.Members, page.Members...)
		out.Next = page.Next
		if page.Next == "" || (limit > 0 && len(out.Members) >= limit) {
			break
		}
		cursor = page.Next
	}
	return a.printMemberPage(out)
}

func remoteMembersAdd(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	f := c.Flags()
	id, _ := f.GetString("license")
	role, _ := f.GetString("role")
	if err := requireLicense(c, id); err != nil {
		return err
	}
	r, err := parseRoleFlag(c, role)
	if err != nil {
		return err
	}
	if f.Changed("name") {
		return usageErr(c, "--name cannot be set through --server: the API adds members by email only")
	}
	if len(args) == 0 && isTerminal(a.stdin) {
		fmt.Fprintln(a.stderr, "Reading email addresses from the terminal, one per line or comma-separated; end with Ctrl-D.")
	}
	items, err := readEmails(args, a.stdin)
	if err != nil {
		return err
	}
	emails := make([]string, len(items))
	for i, it := range items {
		emails[i] = it.email
	}
	var res license.ApplyResult
	body := map[string]any{"emails": emails, "role": string(r)}
	if _, err := rc.do(ctx, request{method: http.MethodPost, path: "/licenses/" + seg(id) + "/members", body: body, out: &res}); err != nil {
		return fmt.Errorf("add members to license %s: %w", id, err)
	}
	if err := a.printApply(res); err != nil {
		return err
	}
	return overflowError(id, res.Overflow)
}

// remoteImport posts a CSV file to the import route.
func (rc *remoteClient) importCSV(ctx context.Context, id, file string, data []byte, remove, dryRun bool) (csvio.ImportResult, error) {
	q := url.Values{"file": {file}}
	if remove {
		q.Set("mode", "remove")
	}
	if dryRun {
		q.Set("validate_only", "true")
	}
	var res csvio.ImportResult
	_, err := rc.do(ctx, request{method: http.MethodPost, path: "/licenses/" + seg(id) + "/members/import", query: q,
		raw: bytes.NewReader(data), rawType: "text/csv; charset=utf-8", out: &res})
	return res, err
}

// remoteMembersRemove sends the addresses as a removal file: the import
// route in remove mode does what the local command does (csvio.Import
// with Remove) and answers with who stays and who was not there.
func remoteMembersRemove(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	f := c.Flags()
	id, _ := f.GetString("license")
	dryRun, _ := f.GetBool("dry-run")
	if err := requireLicense(c, id); err != nil {
		return err
	}
	items, err := readEmails(args, a.stdin)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString("email\n")
	for _, it := range items {
		b.WriteString(it.email + "\n")
	}
	res, err := rc.importCSV(ctx, id, "removal", b.Bytes(), true, dryRun)
	if err != nil {
		return fmt.Errorf("remove members: %w", err)
	}
	if a.jsonOut {
		return a.printJSON(viewImport(res))
	}
	if res.DryRun {
		fmt.Fprintln(a.stdout, "Dry run: nothing was changed. This is what the removal would do:")
	}
	if err := writeApplyResult(a, res.ApplyResult); err != nil {
		return err
	}
	return a.writeKept(res)
}

// remoteMembersImport checks the file here first (the same errors, line
// by line, as the local command) and then sends it as it is. The server
// names the upload; its answer does not say the name, so the summary
// line leaves it out.
func remoteMembersImport(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	f := c.Flags()
	id, _ := f.GetString("license")
	remove, _ := f.GetBool("remove")
	dryRun, _ := f.GetBool("dry-run")
	if err := requireLicense(c, id); err != nil {
		return err
	}
	rows, in, err := a.readRows(args[0])
	if err != nil {
		return err
	}
	res, err := rc.importCSV(ctx, id, in.name, in.data, remove, dryRun)
	if err != nil {
		return err
	}
	return a.printImport(res, "", len(rows))
}

func remoteMembersExport(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, _ []string) error {
	f := c.Flags()
	id, _ := f.GetString("license")
	filter, _ := f.GetString("filter")
	sortBy, _ := f.GetString("sort")
	out, _ := f.GetString("output")
	if err := requireLicense(c, id); err != nil {
		return err
	}
	if _, err := parseFilter(filter); err != nil {
		return err
	}
	if _, _, err := license.ParseSort(sortBy); err != nil {
		return fmt.Errorf("--sort: %w", err)
	}
	q := url.Values{"sort": {sortBy}}
	if strings.TrimSpace(filter) != "" {
		q.Set("q", filter)
	}
	req := request{method: http.MethodGet, path: "/licenses/" + seg(id) + "/members/export", query: q}
	export := func(w io.Writer) error {
		if err := rc.stream(ctx, req, w); err != nil {
			return fmt.Errorf("license %s: %w", id, err)
		}
		return nil
	}
	if out == "" || out == "-" {
		return export(a.stdout)
	}
	return writeFileAtomic(out, export)
}

func remoteMembersHistory(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error {
	id, _ := c.Flags().GetString("license")
	if err := requireLicense(c, id); err != nil {
		return err
	}
	email, err := license.NormalizeEmail(args[0])
	if err != nil {
		return err
	}
	var out struct {
		Events []license.Event `json:"events"`
	}
	if _, err := rc.do(ctx, request{method: http.MethodGet, path: "/licenses/" + seg(id) + "/members/" + seg(email) + "/history", out: &out}); err != nil {
		return fmt.Errorf("history of %s on license %s: %w", email, id, err)
	}
	if len(out.Events) == 0 && !a.jsonOut {
		fmt.Fprintf(a.stderr, "No events for %s on license %s.\n", email, id)
		return nil
	}
	return a.printEvents(out.Events, false)
}
