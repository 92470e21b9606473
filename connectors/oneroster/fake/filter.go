package fake

import (
	"fmt"
	"strings"
)

// filter is a parsed OneRoster filter: predicates joined by one logical
// operator, e.g. dateLastModified>'2025-01-01T00:00:00.000Z' AND status='active'.
type filter struct {
	preds []predicate
	or    bool
}

type predicate struct {
	field, op, value string
}

var filterOps = []string{"!=", ">=", "<=", "=", ">", "<", "~"} // longest first

// parseFilter parses the filter query parameter. fields are the names the
// resource can be filtered on; another name is invalid_filter_field.
func parseFilter(s string, fields func(string) bool) (*filter, *statusInfo) {
	f := &filter{}
	rest := strings.TrimSpace(s)
	for {
		i := strings.IndexAny(rest, "!=<>~")
		if i <= 0 {
			return nil, errBadRequest("invalid_filter_field", fmt.Sprintf("filter %q: expected field, operator and a quoted value", s))
		}
		p := predicate{field: strings.TrimSpace(rest[:i])}
		for _, op := range filterOps {
			if strings.HasPrefix(rest[i:], op) {
				p.op = op
				break
			}
		}
		if !fields(p.field) {
			return nil, errBadRequest("invalid_filter_field", fmt.Sprintf("filter %q: %q is not a field of this collection", s, p.field))
		}
		rest = strings.TrimSpace(rest[i+len(p.op):])
		if !strings.HasPrefix(rest, "'") {
			return nil, errBadRequest("invalid_filter_field", fmt.Sprintf("filter %q: the value must be in single quotes", s))
		}
		end := strings.IndexByte(rest[1:], '\'')
		if end < 0 {
			return nil, errBadRequest("invalid_filter_field", fmt.Sprintf("filter %q: unterminated quote", s))
		}
		p.value = rest[1 : 1+end]
		f.preds = append(f.preds, p)
		rest = strings.TrimSpace(rest[2+end:])
		if rest == "" {
			return f, nil
		}
		var logical string
		switch {
		case strings.HasPrefix(rest, "AND "):
			logical = "AND"
		case strings.HasPrefix(rest, "OR "):
			logical = "OR"
		default:
			return nil, errBadRequest("invalid_filter_field", fmt.Sprintf("filter %q: expected AND or OR after a predicate", s))
		}
		if len(f.preds) > 1 && f.or != (logical == "OR") {
			return nil, errBadRequest("invalid_filter_field", fmt.Sprintf("filter %q: AND and OR cannot be mixed", s))
		}
		f.or = logical == "OR"
		rest = strings.TrimSpace(rest[len(logical):])
	}
}

// match applies the filter to a record whose fields get returns.
// Comparisons are on strings, which orders OneRoster's date-times right.
func (f *filter) match(get func(string) string) bool {
	if f == nil {
		return true
	}
	for _, p := range f.preds {
		v := get(p.field)
		var ok bool
		switch p.op {
		case "=":
			ok = v == p.value
		case "!=":
			ok = v != p.value
		case ">":
			ok = v > p.value
		case ">=":
			ok = v >= p.value
		case "<":
			ok = v < p.value
		case "<=":
			ok = v <= p.value
		case "~":
			ok = strings.Contains(strings.ToLower(v), strings.ToLower(p.value))
		}
		if ok && f.or {
			return true
		}
		if !ok && !f.or {
			return false
		}
	}
	return !f.or
}
