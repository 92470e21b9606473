package reconcile

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// WriteTable prints the plan for a dry run: what it is for, the counts,
// the guards, then one aligned row per change (ACTION EMAIL NAME ROLE
// ORG_UNIT DETAIL). An update's DETAIL names what changes, e.g.
// "role student→teacher". Text from the source is printed with control
// characters replaced, so a roster cannot drive the admin's terminal.
func (p *Plan) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("plan for deployment %s (source %s) on license %s, %s\n",
		clean(p.Deployment), clean(string(p.Source)), clean(p.License), p.Created.UTC().Format(time.RFC3339))
	c := p.Counts
	ew.printf("desired %d  current %d  add %d  update %d  remove %d  overflow %d  unchanged %d  skipped %d\n",
		c.Desired, c.Current, c.Adds, c.Updates, c.Removes, c.Overflow, c.Unchanged, c.Skipped)
	if p.Held {
		ew.printf("held: the %d removals wait for approval\n", len(p.Removes))
	}
	if len(p.Guards) == 0 {
		ew.printf("guards: none\n")
	} else {
		ew.printf("guards:\n")
		for _, g := range p.Guards {
			ew.printf("  %s: %s\n", g.Name, clean(g.Reason))
		}
	}
	if ew.err != nil {
		return ew.err
	}
	rows := len(p.Adds) + len(p.Updates) + len(p.Removes) + len(p.Overflow) + len(p.Skipped)
	if rows == 0 {
		ew.printf("no changes\n")
		return ew.err
	}
	ew.printf("\n")
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	row := func(cells ...string) {
		for i, s := range cells {
			cells[i] = cell(s)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	row("ACTION", "EMAIL", "NAME", "ROLE", "ORG_UNIT", "DETAIL")
	for _, a := range p.Adds {
		row("add", a.Email, a.Name, string(a.Role), a.OrgUnit, "")
	}
	for _, u := range p.Updates {
		row("update", u.Email, u.Name, string(u.Role), u.OrgUnit, u.detail())
	}
	removeDetail := ""
	if p.Held {
		removeDetail = "held for approval"
	}
	for _, r := range p.Removes {
		row("remove", r.Email, r.Name, string(r.Role), r.OrgUnit, removeDetail)
	}
	for _, o := range p.Overflow {
		row("overflow", o.Email, "", string(o.Role), "", o.Reason)
	}
	for _, s := range p.Skipped {
		detail := s.Reason
		if s.ExternalID != "" {
			detail = "external id " + s.ExternalID + ": " + detail
		}
		row("skip", s.Email, "", "", "", detail)
	}
	if n := p.Counts.Skipped - len(p.Skipped); n > 0 {
		row("skip", "", "", "", "", fmt.Sprintf("and %d more", n))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return ew.err
}

// WriteJSON writes the plan as indented JSON with a final newline. The
// form is stable: fields in declaration order, lists never null, map keys
// sorted.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// detail says what an update changes.
func (u *Update) detail() string {
	var parts []string
	diff := func(field, was, now string) {
		if was != now {
			parts = append(parts, field+" "+show(was)+"→"+show(now))
		}
	}
	diff("name", u.Was.Name, u.Name)
	diff("role", string(u.Was.Role), string(u.Role))
	diff("org_unit", u.Was.OrgUnit, u.OrgUnit)
	diff("external_id", u.Was.ExternalID, u.ExternalID)
	var keys []string
	for k := range u.Attrs {
		if w, ok := u.Was.Attrs[k]; !ok || w != u.Attrs[k] {
			keys = append(keys, k)
		}
	}
	for k := range u.Was.Attrs {
		if _, ok := u.Attrs[k]; !ok {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		slices.Sort(keys)
		parts = append(parts, "attrs "+strings.Join(keys, ","))
	}
	return strings.Join(parts, ", ")
}

// show quotes a value when it would otherwise be unreadable in a row.
func show(s string) string {
	if s == "" || strings.ContainsFunc(s, unicode.IsSpace) || strings.Contains(s, "→") {
		return strconv.Quote(s)
	}
	return s
}

// cell makes a value safe for one tabwriter cell: no tabs, newlines or
// other control characters.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return clean(s)
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}

// Detail says what an update changes, e.g. "role student→teacher".
func (u *Update) Detail() string { return u.detail() }
