package query

import (
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

// Query is a compiled members-table query. It is safe for concurrent use.
type Query struct {
	root  node
	canon string
}

var _ license.Filter = (*Query)(nil)

// Parse compiles a query. The empty (or all-blank) query matches everyone.
// A malformed one returns a *Error pointing at the offending token.
func Parse(s string) (*Query, error) {
	if len(s) > MaxLen {
		return nil, errorf(MaxLen, "the query is %d bytes long; the limit is %d", len(s), MaxLen)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	var root node = allNode{}
	if p.peek().kind != tEOF {
		if root, err = p.parseOr(); err != nil {
			return nil, err
		}
		if t := p.peek(); t.kind != tEOF {
			if t.kind == tRParen {
				return nil, errorf(t.pos, `unexpected ")" with no "(" to close`)
			}
			return nil, p.expected(`"and", "or" or end of query`)
		}
	}
	var b strings.Builder
	root.format(&b, precOr)
	return &Query{root: root, canon: b.String()}, nil
}

// Match reports whether m is selected. A nil Query matches everyone.
func (q *Query) Match(m *license.Member) bool {
	return q == nil || q.root.match(m)
}

// String is the canonical form: keywords in lower case, fields by their
// full names, dates normalised, values quoted only where needed and
// parentheses only where they matter. Parse(q.String()) means the same as q
// and has the same String.
func (q *Query) String() string {
	if q == nil {
		return ""
	}
	return q.canon
}

// Empty reports whether the query matches everyone because it says nothing.
func (q *Query) Empty() bool { return q == nil || q.canon == "" }

// Fields lists the columns the query tests, by canonical name (name, email,
// domain, role, source, org_unit, added), sorted; a bare pattern tests name
// and email.
func (q *Query) Fields() []string {
	if q == nil {
		return nil
	}
	var seen [numFields]bool
	q.root.fields(&seen)
	var out []string
	for f := fName; f < numFields; f++ {
		if seen[f] {
			out = append(out, f.String())
		}
	}
	slices.Sort(out)
	return out
}
