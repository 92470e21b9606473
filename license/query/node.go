package query

import (
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// node is one part of a compiled query.
type node interface {
	match(m *license.Member) bool
	// format writes the canonical form; prec is the binding strength of the
	// context (precOr, precAnd, precNot), so parentheses appear only where
	// they change the meaning.
	format(b *strings.Builder, prec int)
	fields(seen *[numFields]bool)
}

const (
	precOr = iota
	precAnd
	precNot
)

type orNode []node

func (n orNode) match(m *license.Member) bool {
	for _, k := range n {
		if k.match(m) {
			return true
		}
	}
	return false
}

func (n orNode) format(b *strings.Builder, prec int) { formatList(b, n, " or ", precOr, prec) }
func (n orNode) fields(seen *[numFields]bool) {
	for _, k := range n {
		k.fields(seen)
	}
}

type andNode []node

func (n andNode) match(m *license.Member) bool {
	for _, k := range n {
		if !k.match(m) {
			return false
		}
	}
	return true
}

func (n andNode) format(b *strings.Builder, prec int) { formatList(b, n, " and ", precAnd, prec) }
func (n andNode) fields(seen *[numFields]bool) {
	for _, k := range n {
		k.fields(seen)
	}
}

func formatList(b *strings.Builder, kids []node, sep string, own, prec int) {
	if prec > own {
		b.WriteByte('(')
	}
	for i, k := range kids {
		if i > 0 {
			b.WriteString(sep)
		}
		k.format(b, own+1)
	}
	if prec > own {
		b.WriteByte(')')
	}
}

type notNode struct{ x node }

func (n notNode) match(m *license.Member) bool { return !n.x.match(m) }
func (n notNode) format(b *strings.Builder, _ int) {
	b.WriteString("not ")
	n.x.format(b, precNot)
}
func (n notNode) fields(seen *[numFields]bool) { n.x.fields(seen) }

// termNode is a bare pattern: it matches the name or the email.
type termNode struct {
	text string
	pat  pattern
}

func newTerm(text string) termNode {
	if hasWildcard(text) {
		return termNode{text: text, pat: compileLike(text)}
	}
	return termNode{text: text, pat: compileContains(unescape(text))}
}

func (n termNode) match(m *license.Member) bool     { return n.pat.match(m.Name) || n.pat.match(m.Email) }
func (n termNode) format(b *strings.Builder, _ int) { b.WriteString(quote(n.text)) }
func (n termNode) fields(seen *[numFields]bool) {
	seen[fName] = true
	seen[fEmail] = true
}

// unescape drops LIKE escapes from a pattern that has no wildcards, giving
// the literal text it stands for.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// textNode is a condition on a text column: name, email, domain or org unit.
type textNode struct {
	f    field
	o    op
	text string
	pat  pattern // contains and like
}

func (n textNode) value(m *license.Member) string {
	switch n.f {
	case fName:
		return m.Name
	case fEmail:
		return m.Email
	case fDomain:
		return license.EmailDomain(m.Email)
	}
	return m.OrgUnit
}

func (n textNode) match(m *license.Member) bool {
	v := n.value(m)
	if n.o == opIs || n.o == opIsNot {
		return strings.EqualFold(v, n.text) != n.o.negated()
	}
	return n.pat.match(v) != n.o.negated()
}

func (n textNode) format(b *strings.Builder, _ int) { formatCond(b, n.f, n.o, quote(n.text)) }
func (n textNode) fields(seen *[numFields]bool)     { seen[n.f] = true }
func formatCond(b *strings.Builder, f field, o op, v string) {
	b.WriteString(f.String())
	b.WriteByte(' ')
	b.WriteString(o.String())
	b.WriteByte(' ')
	b.WriteString(v)
}

// roleNode tests the member's resolved role.
type roleNode struct {
	o    op
	role license.Role
}

func (n roleNode) match(m *license.Member) bool {
	r := m.Role
	if r == "" {
		r = license.RoleStudent // what Resolve gives a member no claim names a role for
	}
	return (r == n.role) != n.o.negated()
}
func (n roleNode) format(b *strings.Builder, _ int) { formatCond(b, fRole, n.o, string(n.role)) }
func (n roleNode) fields(seen *[numFields]bool)     { seen[fRole] = true }

// sourceNode holds when any claim's source passes (is, contains, like), or
// when none does (the not forms). kind is set when the value names a kind of
// source (csv, deployment, ...) rather than one source.
type sourceNode struct {
	o    op
	text string
	kind string
	pat  pattern
}

// sourceKinds are the values of license.Source.Kind.
var sourceKinds = []string{"manual", "key", "csv", "domain", "deployment"}

func (n sourceNode) match(m *license.Member) bool {
	for i := range m.Claims {
		if n.claimMatches(m.Claims[i].Source) {
			return !n.o.negated()
		}
	}
	return n.o.negated()
}

func (n sourceNode) claimMatches(s license.Source) bool {
	switch {
	case n.o != opIs && n.o != opIsNot:
		return n.pat.match(string(s))
	case n.kind != "":
		return s.Kind() == n.kind
	}
	return strings.EqualFold(string(s), n.text)
}

func (n sourceNode) format(b *strings.Builder, _ int) { formatCond(b, fSource, n.o, quote(n.text)) }
func (n sourceNode) fields(seen *[numFields]bool)     { seen[fSource] = true }

// addedNode tests when the member was added. For a date, [from, to) is that
// UTC day; for an instant, from is the instant and to is unused except by is
// and is not, which always mean a whole UTC day.
type addedNode struct {
	o        op
	from, to time.Time
	dateOnly bool
}

func (n addedNode) match(m *license.Member) bool {
	a := m.Added
	switch n.o {
	case opBefore:
		return a.Before(n.from)
	case opAfter:
		if n.dateOnly {
			return !a.Before(n.to)
		}
		return a.After(n.from)
	}
	in := !a.Before(n.from) && a.Before(n.to)
	return in != n.o.negated()
}

func (n addedNode) format(b *strings.Builder, _ int) {
	v := n.from.Format(time.DateOnly)
	if !n.dateOnly {
		v = n.from.Format(time.RFC3339Nano)
	}
	formatCond(b, fAdded, n.o, v)
}
func (n addedNode) fields(seen *[numFields]bool) { seen[fAdded] = true }

// allNode is the empty query.
type allNode struct{}

func (allNode) match(*license.Member) bool   { return true }
func (allNode) format(*strings.Builder, int) {}
func (allNode) fields(*[numFields]bool)      {}

// statusNode tests whether the member is leaving (every claim marked
// leaving by a grace period) or active.
type statusNode struct {
	o      op
	status string
}

func (n statusNode) match(m *license.Member) bool {
	return (m.Status() == n.status) != n.o.negated()
}
func (n statusNode) format(b *strings.Builder, _ int) { formatCond(b, fStatus, n.o, n.status) }
func (n statusNode) fields(seen *[numFields]bool)     { seen[fStatus] = true }
