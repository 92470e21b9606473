package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/query"
)

// queryError is a --filter that does not parse, shown with a caret under
// the offending spot.
type queryError struct {
	q   string
	err *query.Error
}

func (e *queryError) Error() string     { return "--filter: " + e.err.Msg }
func (e *queryError) Unwrap() error     { return e.err }
func (e *queryError) Details() []string { return strings.Split(e.err.Caret(e.q), "\n") }

// parseFilter compiles --filter; empty matches everyone.
func parseFilter(q string) (license.Filter, error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil
	}
	f, err := query.Parse(q)
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			return nil, &queryError{q: q, err: qe}
		}
		return nil, fmt.Errorf("--filter: %w", err)
	}
	return f, nil
}

const filterHelp = `members matching a query: %thomas% (name or email, % any run, _ one
character), or conditions such as "role is student", "source is manual",
"org_unit contains /hs", "added after 2025-09-01", joined by and/or with
parentheses`

func (a *app) membersListCmd() *cobra.Command {
	var id, filter, sortBy, cursor string
	var limit int
	c := &cobra.Command{
		Use:   "list --license ID [--filter Q] [--sort COL] [--limit N] [--cursor C]",
		Short: "List members, filtered and sorted, a page at a time",
		Example: `  rollcall members list -l lincoln-hs --filter '%thomas%'
  rollcall members list -l lincoln-hs --filter 'role is student and source is manual' --sort -added`,
		Args: exactArgs(),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireLicense(c, id); err != nil {
				return err
			}
			f, err := parseFilter(filter)
			if err != nil {
				return err
			}
			field, desc, err := license.ParseSort(sortBy)
			if err != nil {
				return fmt.Errorf("--sort: %w", err)
			}
			if limit < 0 {
				return usageErr(c, "--limit must not be negative")
			}
			opts := license.ListOptions{Filter: f, Sort: field, Desc: desc, Cursor: cursor}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				page, err := listUpTo(ctx, s, id, opts, limit)
				if err != nil {
					return fmt.Errorf("list members of license %s: %w", id, err)
				}
				return a.printMemberPage(page)
			})
		},
	}
	licenseFlag(c, &id)
	c.Flags().StringVarP(&filter, "filter", "f", "", filterHelp)
	c.Flags().StringVar(&sortBy, "sort", "email", "column: email, name, role, org_unit, added or source; -COL for descending")
	c.Flags().IntVar(&limit, "limit", 50, "members to list; 0 lists all (read from the store 1,000 at a time)")
	c.Flags().StringVar(&cursor, "cursor", "", "continue after a previous page (printed under it)")
	return c
}

// printMemberPage shows a page of members as members list does, here or
// through --server.
func (a *app) printMemberPage(page license.Page) error {
	if a.jsonOut {
		page.Members = orEmpty(page.Members)
		return a.printJSON(page)
	}
	t := newTable(a.stdout, "EMAIL", "NAME", "ROLE", "ORG UNIT", "ADDED", "SOURCES")
	for _, m := range page.Members {
		srcs := make([]string, len(m.Claims))
		for i, cl := range m.Claims {
			srcs[i] = string(cl.Source)
		}
		t.row(m.Email, m.Name, string(m.Role), m.OrgUnit, fmtDate(m.Added, "-"), strings.Join(srcs, ","))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if page.Next != "" {
		fmt.Fprintf(a.stdout, "\nMore: --cursor %s\n", page.Next)
	}
	return nil
}

func (a *app) membersHistoryCmd() *cobra.Command {
	var id string
	c := &cobra.Command{
		Use:   "history --license ID EMAIL",
		Short: "Show who added, changed or removed a member, and when",
		Args:  exactArgs("EMAIL"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := requireLicense(c, id); err != nil {
				return err
			}
			email, err := license.NormalizeEmail(args[0])
			if err != nil {
				return err
			}
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				evs, err := s.Events(ctx, id, license.EventQuery{Email: email})
				if err != nil {
					return fmt.Errorf("history of %s on license %s: %w", email, id, err)
				}
				if len(evs) == 0 && !a.jsonOut {
					fmt.Fprintf(a.stderr, "No events for %s on license %s.\n", email, id)
					return nil
				}
				return a.printEvents(evs, false)
			})
		},
	}
	licenseFlag(c, &id)
	return c
}

func (a *app) licenseHistoryCmd() *cobra.Command {
	var limit int
	var after uint64
	c := &cobra.Command{
		Use:   "history ID",
		Short: "Show a license's audit trail: every change, by whom, from which source",
		Args:  exactArgs("ID"),
		RunE: func(c *cobra.Command, args []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				evs, err := s.Events(ctx, args[0], license.EventQuery{After: after, Limit: limit})
				if err != nil {
					return fmt.Errorf("history of license %s: %w", args[0], err)
				}
				return a.printEvents(evs, true)
			})
		},
	}
	c.Flags().IntVar(&limit, "limit", 0, "at most this many events (default all)")
	c.Flags().Uint64Var(&after, "after", 0, "only events after this sequence number")
	return c
}

// printEvents shows audit events oldest first; withEmail adds the member column.
func (a *app) printEvents(evs []license.Event, withEmail bool) error {
	if a.jsonOut {
		return a.printJSON(orEmpty(evs))
	}
	header := []string{"TIME", "ACTION", "SOURCE", "ACTOR", "DETAIL"}
	if withEmail {
		header = []string{"SEQ", "TIME", "EMAIL", "ACTION", "SOURCE", "ACTOR", "DETAIL"}
	}
	t := newTable(a.stdout, header...)
	for _, e := range evs {
		row := []string{fmtTime(e.Time), string(e.Action), string(e.Source), e.Actor, e.Detail}
		if withEmail {
			row = []string{fmt.Sprint(e.Seq), fmtTime(e.Time), e.Email, string(e.Action), string(e.Source), e.Actor, e.Detail}
		}
		t.row(row...)
	}
	return t.flush()
}

// storePageMax is the most members one ListMembers call returns.
const storePageMax = 1000

// listUpTo reads up to limit members (0: all) from opts.Cursor on, a store
// page at a time, so --limit is never silently capped at the store's page
// size. Next is the cursor after the last member returned, or empty when
// none are left.
func listUpTo(ctx context.Context, s *bolt.Store, id string, opts license.ListOptions, limit int) (license.Page, error) {
	var out license.Page
	for {
		want := storePageMax
		if limit > 0 {
			want = min(storePageMax, limit-len(out.Members))
		}
		opts.Limit = want
		page, err := s.ListMembers(ctx, id, opts)
		if err != nil {
			return out, err
		}
		out.Members = append(out.Members, page.Members...)
		out.Next = page.Next
		if page.Next == "" || (limit > 0 && len(out.Members) >= limit) {
			return out, nil
		}
		opts.Cursor = page.Next
	}
}
