package query

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a query that does not parse. Pos is the byte offset (from 0) of
// the offending token in the query, or its length when the query ended too
// soon.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("query: position %d: %s", e.Pos, e.Msg) }

// caretWindow is how many characters of a long query Caret shows.
const caretWindow = 72

// Caret renders query on one line with a ^ under the spot the error points
// at, for terminals and the dashboard:
//
//	role is teacher and name iz x
//	                         ^
//
// White space and control characters show as spaces so the caret lines up;
// a long query is cut to a window around the spot, marked with "…".
func (e *Error) Caret(query string) string {
	pos := min(max(e.Pos, 0), len(query))
	for pos > 0 && pos < len(query) && !utf8.RuneStart(query[pos]) {
		pos--
	}
	runes := make([]rune, 0, utf8.RuneCountInString(query))
	col := -1
	for i, r := range query {
		if i >= pos && col < 0 {
			col = len(runes)
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			r = ' '
		}
		runes = append(runes, r)
	}
	if col < 0 {
		col = len(runes)
	}
	start := max(0, col-caretWindow/2)
	end := min(len(runes), start+caretWindow)
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	b.WriteString(string(runes[start:end]))
	if end < len(runes) {
		b.WriteString("…")
	}
	b.WriteByte('\n')
	pad := col - start
	if start > 0 {
		pad++
	}
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('^')
	return b.String()
}

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
