package fakeauth

import (
	"fmt"
	"strings"
)

// FieldMask is a parsed fields= selection of Google's partial responses
// ("fields=nextPageToken,students(userId,profile/emailAddress)"): a comma
// list of paths whose segments are joined by "/", each optionally
// followed by a parenthesised sub-selection. A nil mask selects all.
type FieldMask struct {
	children map[string]*FieldMask // nil: everything below
}

// ParseFields parses a fields= value; "" selects everything (nil).
func ParseFields(s string) (*FieldMask, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := &FieldMask{children: map[string]*FieldMask{}}
	rest, err := m.parseList(s)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return nil, fmt.Errorf("unexpected %q", rest)
	}
	return m, nil
}

// parseList reads "a,b/c,d(e,f)" into m, up to an unmatched ")" or the end.
func (m *FieldMask) parseList(s string) (string, error) {
	for {
		i := strings.IndexAny(s, ",()")
		path := s
		if i >= 0 {
			path = s[:i]
		}
		path = strings.TrimSpace(path)
		if path == "" {
			return s, fmt.Errorf("empty field name in %q", s)
		}
		leaf := m
		for seg := range strings.SplitSeq(path, "/") {
			if seg == "" {
				return s, fmt.Errorf("empty segment in %q", path)
			}
			if leaf.children == nil {
				leaf.children = map[string]*FieldMask{}
			}
			next := leaf.children[seg]
			if next == nil {
				next = &FieldMask{}
				leaf.children[seg] = next
			}
			leaf = next
		}
		if i < 0 {
			return "", nil
		}
		switch s[i] {
		case '(':
			if leaf.children == nil {
				leaf.children = map[string]*FieldMask{}
			}
			rest, err := leaf.parseList(s[i+1:])
			if err != nil {
				return rest, err
			}
			if !strings.HasPrefix(rest, ")") {
				return rest, fmt.Errorf("missing )")
			}
			s = rest[1:]
			if s == "" || strings.HasPrefix(s, ")") {
				return s, nil
			}
			if s[0] != ',' {
				return s, fmt.Errorf("unexpected %q", s)
			}
			s = s[1:]
		case ')':
			return s[i:], nil
		case ',':
			s = s[i+1:]
		}
	}
}

// Prune keeps what m selects of a decoded JSON value (maps and slices
// from encoding/json); arrays are masked element by element.
func (m *FieldMask) Prune(v any) any {
	if m == nil || m.children == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if c, ok := m.children[k]; ok {
				out[k] = c.Prune(e)
			}
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = m.Prune(e)
		}
		return x
	}
	return v
}
