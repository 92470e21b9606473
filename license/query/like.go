package query

import (
	"unicode"
	"unicode/utf8"
)

// Pattern elements below zero are wildcards; the rest are case-folded runes.
const (
	anyRun rune = -1 // %
	anyOne rune = -2 // _
)

// pattern is a compiled SQL LIKE pattern, matched case-insensitively.
type pattern struct {
	elems []rune
	// The search box mostly sends plain words (thomas, %thomas%, thomas%):
	// ASCII text with % at most at the ends. Those match ASCII names and
	// emails by a byte comparison instead of the general walk.
	fast        bool
	lit         string // lower case
	lead, trail bool   // a % before, after lit
}

func newPattern(elems []rune) pattern {
	p := pattern{elems: elems}
	body := elems
	if len(body) > 0 && body[0] == anyRun {
		p.lead, body = true, body[1:]
	}
	if len(body) > 0 && body[len(body)-1] == anyRun {
		p.trail, body = true, body[:len(body)-1]
	}
	lit := make([]byte, 0, len(body))
	for _, r := range body {
		if r < 0 || r >= utf8.RuneSelf {
			return p
		}
		lit = append(lit, byte(r))
	}
	p.fast, p.lit = true, string(lit)
	return p
}

// compileLike compiles a LIKE pattern: % any run, _ one character, \ makes
// the next character literal (a trailing \ is itself literal).
func compileLike(s string) pattern {
	p := make([]rune, 0, len(s))
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			p = append(p, fold(r))
			escaped = false
		case r == '\\':
			escaped = true
		case r == '%':
			if len(p) == 0 || p[len(p)-1] != anyRun {
				p = append(p, anyRun)
			}
		case r == '_':
			p = append(p, anyOne)
		default:
			p = append(p, fold(r))
		}
	}
	if escaped {
		p = append(p, '\\')
	}
	return newPattern(p)
}

// compileContains compiles a match of s anywhere, s taken literally.
func compileContains(s string) pattern {
	p := make([]rune, 0, len(s)+2)
	p = append(p, anyRun)
	for _, r := range s {
		p = append(p, fold(r))
	}
	if len(p) > 1 {
		p = append(p, anyRun)
	}
	return newPattern(p)
}

// hasWildcard reports whether a LIKE pattern has an unescaped % or _.
func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '%', '_':
			return true
		}
	}
	return false
}

// fold maps a rune to the one case it is compared in. Both the pattern and
// the text go through it, so the two sides always agree.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// match reports whether the whole of s matches p.
func (p *pattern) match(s string) bool {
	if p.fast && isASCII(s) {
		switch {
		case p.lead && p.trail:
			return containsFoldASCII(s, p.lit)
		case p.lead:
			return len(s) >= len(p.lit) && equalFoldASCII(s[len(s)-len(p.lit):], p.lit)
		case p.trail:
			return len(s) >= len(p.lit) && equalFoldASCII(s[:len(p.lit)], p.lit)
		}
		return len(s) == len(p.lit) && equalFoldASCII(s, p.lit)
	}
	return walk(p.elems, s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFoldASCII compares ASCII s with lower-case lit of the same length.
func equalFoldASCII(s, lit string) bool {
	for i := 0; i < len(lit); i++ {
		if lowerASCII(s[i]) != lit[i] {
			return false
		}
	}
	return true
}

func containsFoldASCII(s, lit string) bool {
	if lit == "" {
		return true
	}
	first := lit[0]
	for i := 0; i+len(lit) <= len(s); i++ {
		if lowerASCII(s[i]) == first && equalFoldASCII(s[i:i+len(lit)], lit) {
			return true
		}
	}
	return false
}

// walk reports whether the whole of s matches the pattern p. It walks s
// once per backtrack to the last %, the usual wildcard algorithm: no
// allocation, O(len(s)·len(p)) at worst.
func walk(p []rune, s string) bool {
	i, j := 0, 0
	star, starAt := -1, 0
	for i < len(s) {
		if j < len(p) {
			switch c := p[j]; c {
			case anyRun:
				star, starAt = j, i
				j++
				continue
			case anyOne:
				_, size := utf8.DecodeRuneInString(s[i:])
				i += size
				j++
				continue
			default:
				r, size := rune(s[i]), 1
				if r >= utf8.RuneSelf {
					r, size = utf8.DecodeRuneInString(s[i:])
				}
				if fold(r) == c {
					i += size
					j++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		// Let the last % swallow one more character and retry from there.
		_, size := utf8.DecodeRuneInString(s[starAt:])
		starAt += size
		i, j = starAt, star+1
	}
	for j < len(p) && p[j] == anyRun {
		j++
	}
	return j == len(p)
}
