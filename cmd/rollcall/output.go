package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"golang.org/x/term"
)

// printJSON writes v as indented JSON, the --json output of every command.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table is an aligned text table. Cells are made safe to print: a name
// from a CSV file must not be able to send escape sequences to a terminal.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(t.tw, "\t")
		}
		io.WriteString(t.tw, cell(c))
	}
	io.WriteString(t.tw, "\n")
}

func (t *table) flush() error { return t.tw.Flush() }

// cell renders one table cell: "-" when empty, control characters (tabs
// and newlines too, which would break the columns) escaped.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return printable(s)
}

// printable escapes control characters the way Go string literals do.
func printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// fmtTime shows an instant as UTC RFC 3339, or "-" when unset.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// fmtDate shows an instant as its UTC date, or ifZero when unset.
func fmtDate(t time.Time, ifZero string) string {
	if t.IsZero() {
		return ifZero
	}
	return t.UTC().Format(time.DateOnly)
}

// parseDate reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 instant.
func parseDate(flag, s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("--%s %q: want a date as YYYY-MM-DD", flag, s)
}

// isTerminal reports whether a stream is an interactive terminal.
func isTerminal(s any) bool {
	f, ok := s.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// plural writes "1 member" or "3 members".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
