package query

import (
	"fmt"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Limits on what Parse accepts, so a query from the web can cost only so much.
const (
	MaxLen   = 4096 // bytes
	MaxDepth = 32   // parentheses and nots inside one another
)

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// expected reports that the next token is not what the grammar needs,
// naming what came before it so the message reads as a sentence.
func (p *parser) expected(what string) *Error {
	t := p.peek()
	if p.i == 0 {
		return errorf(t.pos, "expected %s, got %s", what, describe(t))
	}
	prev := p.toks[p.i-1]
	return errorf(t.pos, "expected %s after %s, got %s", what, describe(prev), describe(t))
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tString:
		return fmt.Sprintf("%q", clip(quote(t.text)))
	}
	return fmt.Sprintf("%q", clip(t.text))
}

func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

const termWhat = `a search term, a condition or "("`

// startsUnary reports whether t can begin a term, which is how two terms
// side by side are read as "and".
func startsUnary(t token) bool {
	switch t.kind {
	case tString, tLParen:
		return true
	case tWord:
		return !t.is("and") && !t.is("or")
	}
	return false
}

func (p *parser) parseOr() (node, error) {
	var kids orNode
	for {
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if or, ok := n.(orNode); ok {
			kids = append(kids, or...)
		} else {
			kids = append(kids, n)
		}
		if !p.peek().is("or") {
			break
		}
		p.next()
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return kids, nil
}

func (p *parser) parseAnd() (node, error) {
	var kids andNode
	for {
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if and, ok := n.(andNode); ok {
			kids = append(kids, and...)
		} else {
			kids = append(kids, n)
		}
		if p.peek().is("and") {
			p.next()
			continue
		}
		if !startsUnary(p.peek()) {
			break
		}
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return kids, nil
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > MaxDepth {
		return errorf(t.pos, "the query nests parentheses and nots more than %d deep", MaxDepth)
	}
	return nil
}

func (p *parser) parseUnary() (node, error) {
	t := p.peek()
	if !t.is("not") {
		return p.parsePrimary()
	}
	if err := p.enter(t); err != nil {
		return nil, err
	}
	p.next()
	if !startsUnary(p.peek()) {
		return nil, p.expected(termWhat)
	}
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	p.depth--
	return notNode{x}, nil
}

func (p *parser) parsePrimary() (node, error) {
	t := p.peek()
	switch t.kind {
	case tLParen:
		if err := p.enter(t); err != nil {
			return nil, err
		}
		p.next()
		if p.peek().kind == tRParen {
			return nil, errorf(p.peek().pos, "empty parentheses: put a search term or a condition inside")
		}
		if !startsUnary(p.peek()) {
			return nil, p.expected(termWhat)
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tRParen {
			return nil, p.expected(fmt.Sprintf(`")" to close the "(" at position %d`, t.pos))
		}
		p.next()
		p.depth--
		return x, nil
	case tString:
		p.next()
		return newTerm(t.text), nil
	case tWord:
		if f, ok := lookupField(t.text); ok {
			return p.parseCondition(f)
		}
		if p.startsCondition() {
			return nil, errorf(t.pos, "unknown field %s: use %s, or quote the words to search for them", describe(t), fieldList)
		}
		if !t.is("and") && !t.is("or") {
			p.next()
			return newTerm(t.text), nil
		}
	}
	return nil, p.expected(termWhat)
}

// fieldList names the fields a condition may test, for error messages.
const fieldList = "name, email, domain, role, source, org_unit, added or status"

// startsCondition reports whether the word at p is followed by an
// operator, so it was meant as a field: "color is blue" is a condition on
// a field that does not exist, never a search for three words.
func (p *parser) startsCondition() bool {
	if p.i+1 >= len(p.toks) {
		return false
	}
	nt := p.toks[p.i+1]
	if nt.kind != tWord {
		return false
	}
	switch {
	case nt.is("is"), nt.is("contains"), nt.is("like"), nt.is("before"), nt.is("after"):
		return true
	case nt.is("not") && p.i+2 < len(p.toks):
		nn := p.toks[p.i+2]
		return nn.kind == tWord && (nn.is("contains") || nn.is("like"))
	}
	return false
}

func (p *parser) parseCondition(f field) (node, error) {
	p.next() // the field
	ot := p.peek()
	var o op
	switch {
	case ot.is("is"):
		p.next()
		o = opIs
		if p.peek().is("not") {
			p.next()
			o = opIsNot
		}
	case ot.is("not"):
		p.next()
		switch {
		case p.peek().is("contains"):
			o = opNotContains
		case p.peek().is("like"):
			o = opNotLike
		default:
			return nil, p.expected(`"contains" or "like"`)
		}
		p.next()
	case ot.is("contains"):
		o = opContains
		p.next()
	case ot.is("like"):
		o = opLike
		p.next()
	case ot.is("before"):
		o = opBefore
		p.next()
	case ot.is("after"):
		o = opAfter
		p.next()
	default:
		_, ops := f.allows(0)
		return nil, p.expected(fmt.Sprintf("an operator (%s)", ops))
	}
	if ok, ops := f.allows(o); !ok {
		return nil, errorf(ot.pos, "%s does not take %q: use %s", f, o, ops)
	}
	vt := p.peek()
	if vt.kind != tString && (vt.kind != tWord || vt.is("and") || vt.is("or") || vt.is("not")) {
		return nil, errorf(vt.pos, "expected a value after %q, got %s", o, describe(vt))
	}
	p.next()
	v := vt.text
	switch f {
	case fRole:
		r, err := license.ParseRole(v)
		if err != nil || strings.TrimSpace(v) == "" {
			return nil, errorf(vt.pos, "unknown role %s: use student, teacher or other", describe(vt))
		}
		return roleNode{o: o, role: r}, nil
	case fAdded:
		return parseAdded(o, vt)
	case fStatus:
		st := strings.ToLower(v)
		if st != license.StatusActive && st != license.StatusLeaving {
			return nil, errorf(vt.pos, "unknown status %s: use active or leaving", describe(vt))
		}
		return statusNode{o: o, status: st}, nil
	case fSource:
		return parseSource(o, vt)
	}
	n := textNode{f: f, o: o, text: v}
	switch o {
	case opContains, opNotContains:
		n.pat = compileContains(v)
	case opLike, opNotLike:
		n.pat = compileLike(v)
	}
	return n, nil
}

func parseSource(o op, vt token) (node, error) {
	v := vt.text
	n := sourceNode{o: o, text: v}
	switch o {
	case opContains, opNotContains:
		n.pat = compileContains(v)
		return n, nil
	case opLike, opNotLike:
		n.pat = compileLike(v)
		return n, nil
	}
	for _, k := range sourceKinds {
		if strings.EqualFold(v, k) {
			n.kind, n.text = k, k
			return n, nil
		}
	}
	if license.Source(v).Validate() != nil {
		return nil, errorf(vt.pos, "unknown source %s: use a kind (manual, key, csv, domain, deployment) "+
			"or a source such as csv:<id>, domain:<domain> or <connector>/<deployment>", describe(vt))
	}
	return n, nil
}

func parseAdded(o op, vt token) (node, error) {
	n := addedNode{o: o}
	t, err := time.Parse(time.DateOnly, vt.text)
	if err == nil {
		n.dateOnly = true
	} else if t, err = time.Parse(time.RFC3339Nano, vt.text); err != nil {
		return nil, errorf(vt.pos, "bad date %s: use YYYY-MM-DD or RFC 3339 such as 2026-09-01T08:00:00Z", describe(vt))
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return nil, errorf(vt.pos, "date %s is out of range", describe(vt))
	}
	if o == opIs || o == opIsNot {
		// "is" means the whole UTC day, whichever way the day was written.
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		n.dateOnly = true
	}
	n.from = t
	n.to = t.AddDate(0, 0, 1)
	return n, nil
}
