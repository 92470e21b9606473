package csvio

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

// ErrTooLarge is a file over MaxBytes or MaxRows.
var ErrTooLarge = errors.New("file too large")

// RowError is one problem in an upload. Line is the file line where the
// row starts (from 1); Column is the cell number (from 1), or 0 when the
// problem is the row's CSV syntax rather than one cell.
type RowError struct {
	Line   int    `json:"line"`
	Column int    `json:"column,omitempty"`
	Field  string `json:"field,omitempty"` // email, name, role, header; empty for syntax
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

func (e RowError) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ", column %d", e.Column)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " (%s)", e.Field)
	}
	if e.Value != "" || e.Field == "email" {
		fmt.Fprintf(&b, " %q", clip(e.Value))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// ImportError lists every bad row of an upload; nothing was imported.
// Rows holds the first MaxRowErrors problems in file order and More counts
// the rest.
type ImportError struct {
	File string     `json:"file"`
	Rows []RowError `json:"rows"`
	More int        `json:"more,omitempty"`
}

// MaxRowErrors caps ImportError.Rows, so a file of the wrong kind does not
// make an error as large as itself.
const MaxRowErrors = 1000

// errorsInSummary is how many rows Error spells out.
const errorsInSummary = 3

func (e *ImportError) Error() string {
	var b strings.Builder
	n := len(e.Rows) + e.More
	fmt.Fprintf(&b, "%s: %d problem", e.File, n)
	if n != 1 {
		b.WriteByte('s')
	}
	b.WriteString(", nothing imported: ")
	for i, r := range e.Rows[:min(len(e.Rows), errorsInSummary)] {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.String())
	}
	if rest := n - min(len(e.Rows), errorsInSummary); rest > 0 {
		fmt.Fprintf(&b, "; and %d more", rest)
	}
	return b.String()
}

// Unwrap lets errors.Is(err, license.ErrInvalid) hold.
func (e *ImportError) Unwrap() error { return license.ErrInvalid }

func (e *ImportError) add(r RowError) {
	if len(e.Rows) < MaxRowErrors {
		e.Rows = append(e.Rows, r)
	} else {
		e.More++
	}
}

// clip shortens a value quoted in a message: a whole misplaced paragraph
// helps nobody find the row.
func clip(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
