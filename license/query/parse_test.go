package query

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParseCanonical checks what each query parses to through its canonical
// form, which spells out precedence, aliases and normalised values.
func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   \t\n", ""},
		{"thomas", "thomas"},
		{"%Thomas%", "%Thomas%"},
		{"  thomas%  ", "thomas%"},
		{"t_m", "t_m"},
		{`"thomas anderson"`, `"thomas anderson"`},
		{`'o"brien'`, `"o\"brien"`},
		{`o'brien`, `"o'brien"`},
		{"ROLE IS Teacher", "role is teacher"},
		{"role is not student", "role is not student"},
		{"role Is Not STUDENT", "role is not student"},
		{"ou is /Students/HS", "org_unit is /Students/HS"},
		{"orgunit contains staff", "org_unit contains staff"},
		{"org_unit not contains staff", "org_unit not contains staff"},
		{"name not like %x%", "name not like %x%"},
		{"email like %@district.org", "email like %@district.org"},
		{"domain is district.org", "domain is district.org"},
		{"source is CSV", "source is csv"},
		{"source is google-directory/hs", "source is google-directory/hs"},
		{"source is not deployment", "source is not deployment"},
		{"added before 2026-09-01", "added before 2026-09-01"},
		{"added after 2026-09-01T10:00:00+02:00", "added after 2026-09-01T08:00:00Z"},
		{"added is 2026-09-01T23:30:00-02:00", "added is 2026-09-02"},
		{"added is not 2026-09-01", "added is not 2026-09-01"},
		// and binds tighter than or; side by side means and.
		{"a or b and c", "a or b and c"},
		{"a or b c", "a or b and c"},
		{"(a or b) c", "(a or b) and c"},
		{"a AND (b AND c)", "a and b and c"},
		{"((a))", "a"},
		{"(a or b) or (c or d)", "a or b or c or d"},
		{"not a b", "not a and b"},
		{"not (a b)", "not (a and b)"},
		{"not (a or b)", "not (a or b)"},
		{"not not a", "not not a"},
		{"role is student and source is google-directory/hs", "role is student and source is google-directory/hs"},
		// Words the grammar owns are quoted when they are values.
		{`"and"`, `"and"`},
		{`"Name"`, `"Name"`},
		{`name is "not"`, `name is "not"`},
		{`name is ""`, `name is ""`},
		{`name is 'a\'b'`, `name is "a'b"`},
		{`name like "100\%"`, `name like 100\%`},
		{`name like "a\\%"`, `name like a\%`},
		{`"back\\slash"`, `back\slash`},
		// Quoted, or without an operator after it, a word is a search term.
		{`"foo is bar"`, `"foo is bar"`},
		{"thomas not smith", "thomas and not smith"},
		{"thomas", "thomas"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			continue
		}
		again, err := Parse(q.String())
		if err != nil {
			t.Errorf("Parse(%q) of the canonical form of %q: %v", q.String(), tt.in, err)
		} else if again.String() != q.String() {
			t.Errorf("canonical form of %q is not stable: %q then %q", tt.in, q.String(), again.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		pos  int
		want []string // all must appear in the message
	}{
		{"role is", 7, []string{`after "is"`, "got end of query"}},
		{"role is not", 11, []string{`after "is not"`, "end of query"}},
		{"role iz teacher", 5, []string{"operator", `"iz"`, `after "role"`}},
		{"role is teacherz", 8, []string{"unknown role", `"teacherz"`}},
		{`role is ""`, 8, []string{"unknown role"}},
		{"role contains t", 5, []string{"role", `"contains"`, "is or is not"}},
		{"name before 2026-01-01", 5, []string{"name", `"before"`}},
		{"added contains 2026", 6, []string{"added", `"contains"`}},
		{"added before 2026-13-01", 13, []string{"bad date", `"2026-13-01"`}},
		{"added before yesterday", 13, []string{"bad date", `"yesterday"`}},
		{"added after 0001-01-01T00:00:00+01:00", 12, []string{"out of range"}},
		{"source is google", 10, []string{"unknown source", `"google"`}},
		{"name not is x", 9, []string{`"contains" or "like"`, `"is"`}},
		{"name is and", 8, []string{"a value", `"and"`}},
		{"name is (x)", 8, []string{"a value", `"("`}},
		{"thomas and", 10, []string{`after "and"`, "end of query"}},
		{"thomas or", 9, []string{`after "or"`, "end of query"}},
		{"or thomas", 0, []string{"search term", `"or"`}},
		{"a or or b", 5, []string{`after "or"`, `"or"`}},
		{"not", 3, []string{`after "not"`, "end of query"}},
		{"(thomas", 7, []string{`")"`, "position 0", "end of query"}},
		{"a (b or c", 9, []string{`"(" at position 2`}},
		{"thomas)", 6, []string{`")"`}},
		{"()", 1, []string{"empty parentheses"}},
		{`name is "abc`, 8, []string{"no closing"}},
		{`'abc`, 0, []string{"no closing '"}},
		{"name is \xff", 8, []string{"UTF-8"}},
		{"name is \"ab\xffc\"", 11, []string{"UTF-8"}},
		{"role is teacher and name iz x", 25, []string{`"iz"`}},
		// A word followed by an operator was meant as a field.
		{"foo is bar", 0, []string{"unknown field", `"foo"`, "org_unit"}},
		{"color is blue", 0, []string{"unknown field", `"color"`}},
		{"role is student and colour contains x", 20, []string{"unknown field", `"colour"`}},
		{"grade not like 9%", 0, []string{"unknown field", `"grade"`}},
		{"(teacher before 2026-01-01)", 1, []string{"unknown field", `"teacher"`}},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want an error", tt.in, q)
			continue
		}
		var qe *Error
		if !errors.As(err, &qe) {
			t.Errorf("Parse(%q) error %T is not *query.Error", tt.in, err)
			continue
		}
		if qe.Pos != tt.pos {
			t.Errorf("Parse(%q) error at %d, want %d: %v", tt.in, qe.Pos, tt.pos, err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "query: position ") {
			t.Errorf("Parse(%q) error %q does not start with the position", tt.in, msg)
		}
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("Parse(%q) error %q does not mention %s", tt.in, msg, w)
			}
		}
	}
}

func TestLimits(t *testing.T) {
	long := strings.Repeat("a ", MaxLen/2) + "b"
	_, err := Parse(long)
	var qe *Error
	if !errors.As(err, &qe) || qe.Pos != MaxLen || !strings.Contains(qe.Msg, "4096") {
		t.Errorf("Parse of %d bytes: %v, want a limit error at %d", len(long), err, MaxLen)
	}
	if _, err := Parse(strings.Repeat("a ", MaxLen/2-1)); err != nil {
		t.Errorf("Parse just under the limit: %v", err)
	}

	deep := func(n int) string { return strings.Repeat("(", n) + "a" + strings.Repeat(")", n) }
	if _, err := Parse(deep(MaxDepth)); err != nil {
		t.Errorf("Parse nested %d deep: %v", MaxDepth, err)
	}
	_, err = Parse(deep(MaxDepth + 1))
	if !errors.As(err, &qe) || qe.Pos != MaxDepth || !strings.Contains(qe.Msg, "32") {
		t.Errorf("Parse nested %d deep: %v, want a nesting error at %d", MaxDepth+1, err, MaxDepth)
	}
	nots := strings.Repeat("not ", MaxDepth+1) + "a"
	_, err = Parse(nots)
	if !errors.As(err, &qe) || qe.Pos != 4*MaxDepth {
		t.Errorf("Parse of %d nots: %v, want a nesting error at %d", MaxDepth+1, err, 4*MaxDepth)
	}
	// Depth is nesting, not count: many groups side by side are fine.
	if _, err := Parse(strings.Repeat("(a) ", 100)); err != nil {
		t.Errorf("Parse of 100 groups side by side: %v", err)
	}
}

func TestCaret(t *testing.T) {
	tests := []struct {
		query string
		pos   int
		want  string
	}{
		{"role iz x", 5, "role iz x\n     ^"},
		{"role is", 7, "role is\n       ^"},
		{"name is\tzoë ölberg x", 14, "name is zoë ölberg x\n            ^"}, // pos 14 is the ö of ölberg
		{"a\nb", 2, "a b\n  ^"},
	}
	for _, tt := range tests {
		e := &Error{Pos: tt.pos}
		if got := e.Caret(tt.query); got != tt.want {
			t.Errorf("Caret(%q) at %d =\n%s\nwant\n%s", tt.query, tt.pos, got, tt.want)
		}
	}
	// A long query shows a window that still has the caret under the spot.
	long := strings.Repeat("x", 200) + " iz"
	e := &Error{Pos: 201}
	lines := strings.Split(e.Caret(long), "\n")
	if len(lines) != 2 {
		t.Fatalf("Caret of a long query = %q, want two lines", lines)
	}
	col := len([]rune(lines[1])) - 1
	if r := []rune(lines[0]); len(r) > caretWindow+2 || col >= len(r) || string(r[col:col+2]) != "iz" {
		t.Errorf("Caret of a long query puts ^ at %d under %q", col, lines[0])
	}
}

func TestFields(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"thomas", []string{"email", "name"}},
		{"role is student and (ou is /x or added before 2026-01-01)", []string{"added", "org_unit", "role"}},
		{"not source is csv domain is a.org", []string{"domain", "source"}},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := q.Fields(); !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q).Fields() = %q, want %q", tt.in, got, tt.want)
		}
	}
}
