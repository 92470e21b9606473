package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tEOF    tokenKind = iota
	tWord             // unquoted: a keyword, a field name or a value
	tString           // quoted: always a value or pattern
	tLParen
	tRParen
)

type token struct {
	kind     tokenKind
	pos, end int    // byte range in the query
	text     string // a word as typed; a string without quotes and escapes
}

// is reports whether t is the unquoted word kw, in any case.
func (t token) is(kw string) bool { return t.kind == tWord && strings.EqualFold(t.text, kw) }

// isSpace is the white space that separates words; the formatter quotes any
// value holding one, so the two must agree.
func isSpace(r rune) bool { return unicode.IsSpace(r) }

// breaksWord reports whether r ends an unquoted word.
func breaksWord(r rune) bool { return isSpace(r) || r == '(' || r == ')' }

// lex splits a query into tokens, ending with one tEOF.
func lex(src string) ([]token, error) {
	if !utf8.ValidString(src) {
		for i, r := range src {
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(src[i:]); size == 1 {
					return nil, errorf(i, "the query is not valid UTF-8")
				}
			}
		}
	}
	var toks []token
	i := 0
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case isSpace(r):
			i += size
		case r == '(':
			toks = append(toks, token{kind: tLParen, pos: i, end: i + 1, text: "("})
			i++
		case r == ')':
			toks = append(toks, token{kind: tRParen, pos: i, end: i + 1, text: ")"})
			i++
		case r == '"' || r == '\'':
			t, err := lexString(src, i, byte(r))
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.end
		default:
			start := i
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if breaksWord(r) {
					break
				}
				i += size
			}
			toks = append(toks, token{kind: tWord, pos: start, end: i, text: src[start:i]})
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src), end: len(src)}), nil
}

// lexString reads a quoted string starting at src[start] == q. Inside it a
// backslash escapes the quote and itself; any other backslash stays, so a
// LIKE escape such as \% reaches the pattern unchanged.
func lexString(src string, start int, q byte) (token, error) {
	var b strings.Builder
	i := start + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == q:
			return token{kind: tString, pos: start, end: i + 1, text: b.String()}, nil
		case c == '\\' && i+1 < len(src) && (src[i+1] == q || src[i+1] == '\\'):
			b.WriteByte(src[i+1])
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return token{}, errorf(start, "the quoted value starting here has no closing %c", q)
}

// keywords are the words the parser gives a meaning; a value equal to one
// must be quoted to be read as a value.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true,
	"is": true, "contains": true, "like": true, "before": true, "after": true,
}

// quote renders a value so that lex reads it back as one token with the
// same text: bare when that is unambiguous, else in double quotes.
func quote(v string) string {
	if needsQuotes(v) {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
	}
	return v
}

func needsQuotes(v string) bool {
	if v == "" || keywords[strings.ToLower(v)] {
		return true
	}
	if _, ok := lookupField(v); ok {
		return true
	}
	for _, r := range v {
		if breaksWord(r) || r == '"' || r == '\'' || unicode.IsControl(r) {
			return true
		}
	}
	return false
}
