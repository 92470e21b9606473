package query

import (
	"errors"
	"testing"
)

// FuzzParse checks that no input panics, that every error is a *Error
// pointing inside the query, and that the canonical form of anything
// accepted parses to itself and selects the same members.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "%Thomas%", "thomas%", "t_m", `"a b" or 'c\'d'`, "role is not student",
		"(role is teacher or ou is /staff) and not source is csv", "added after 2026-09-01T10:00:00+02:00",
		`name like "100\%"`, "((((a))))", "not not (a b c)", "email is", "name iz x", `"unterminated`,
	} {
		f.Add(s)
	}
	ms := members()
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q) error %T %v is not a *Error", s, err, err)
			}
			if qe.Pos < 0 || qe.Pos > len(s) {
				t.Fatalf("Parse(%q) error at %d, outside the query of %d bytes", s, qe.Pos, len(s))
			}
			_ = qe.Caret(s)
			return
		}
		canon := q.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) gave canonical %q, which does not parse: %v", s, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("Parse(%q): canonical %q reparses as %q", s, canon, again.String())
		}
		for i := range ms {
			if q.Match(&ms[i]) != again.Match(&ms[i]) {
				t.Fatalf("Parse(%q) and its canonical %q disagree on %s", s, canon, ms[i].Email)
			}
		}
		_ = q.Fields()
	})
}
