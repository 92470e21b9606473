package scim

import (
	"fmt"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// parseFilter parses a filter query parameter, answering invalidFilter
// with the parser's words.
func parseFilter(raw string) (filter.Expression, error) {
	e, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return nil, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("filter %q: %v", raw, err)}
	}
	return e, nil
}

// match evaluates a filter against a resource (RFC 7644 §3.4.2.2).
func match(kind string, r Resource, e filter.Expression) (bool, error) {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		l, err := match(kind, r, x.Left)
		if err != nil {
			return false, err
		}
		if x.Operator == filter.AND && !l {
			return false, nil
		}
		if x.Operator == filter.OR && l {
			return true, nil
		}
		return match(kind, r, x.Right)
	case *filter.NotExpression:
		m, err := match(kind, r, x.Expression)
		return !m, err
	case *filter.AttributeExpression:
		vals, a, err := values(kind, r, x.AttributePath)
		if err != nil {
			return false, err
		}
		return compareAny(vals, a, x.Operator, x.CompareValue)
	case *filter.ValuePath:
		_, a := lookup(kind, x.AttributePath.URI(), x.AttributePath.AttributeName)
		if a == nil || !a.Multi {
			return false, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("%s is not a multi-valued attribute", x.AttributePath)}
		}
		list, _ := r.Doc[a.Name].([]any)
		for _, el := range list {
			m, _ := el.(map[string]any)
			ok, err := matchElement(a, m, x.ValueFilter)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	return false, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("unsupported filter %v", e)}
}

// matchElement evaluates a value filter against one element of a
// multi-valued complex attribute (emails[type eq "work"]).
func matchElement(a *attr, el map[string]any, e filter.Expression) (bool, error) {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		l, err := matchElement(a, el, x.Left)
		if err != nil {
			return false, err
		}
		if x.Operator == filter.AND && !l {
			return false, nil
		}
		if x.Operator == filter.OR && l {
			return true, nil
		}
		return matchElement(a, el, x.Right)
	case *filter.NotExpression:
		m, err := matchElement(a, el, x.Expression)
		return !m, err
	case *filter.AttributeExpression:
		sub := a.sub(x.AttributePath.AttributeName)
		if sub == nil {
			return false, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("%s has no sub-attribute %s", a.Name, x.AttributePath.AttributeName)}
		}
		var vals []any
		if v, ok := el[sub.Name]; ok {
			vals = []any{v}
		}
		return compareAny(vals, sub, x.Operator, x.CompareValue)
	}
	return false, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("unsupported value filter %v", e)}
}

// values lists what an attribute path holds in a resource: one value for
// a singular attribute, one per element for a multi-valued one.
func values(kind string, r Resource, p filter.AttributePath) ([]any, *attr, error) {
	uri := p.URI()
	ext, a := lookup(kind, uri, p.AttributeName)
	if a == nil {
		return nil, nil, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("unknown attribute %s", p)}
	}
	var holder any
	switch {
	case a == &attrID:
		holder = r.ID
	case ext != "":
		m, _ := r.Doc[ext].(map[string]any)
		holder = m[a.Name]
	default:
		holder = r.Doc[a.Name]
	}
	if a.Name == "groups" && kind == KindUser {
		holder = r.Doc["groups"]
	}
	if p.SubAttribute != nil {
		sub := a.sub(*p.SubAttribute)
		if sub == nil {
			return nil, nil, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("unknown attribute %s", p)}
		}
		var out []any
		collect := func(m map[string]any) {
			if v, ok := m[sub.Name]; ok {
				out = append(out, v)
			}
		}
		switch h := holder.(type) {
		case map[string]any:
			collect(h)
		case []any:
			for _, el := range h {
				if m, _ := el.(map[string]any); m != nil {
					collect(m)
				}
			}
		}
		return out, sub, nil
	}
	if a.Multi && a.Type == "complex" {
		// emails eq "x" compares the value sub-attribute (§3.4.2.2).
		var out []any
		list, _ := holder.([]any)
		for _, el := range list {
			if m, _ := el.(map[string]any); m != nil {
				if v, ok := m["value"]; ok {
					out = append(out, v)
				}
			}
		}
		return out, a.sub("value"), nil
	}
	if holder == nil {
		return nil, a, nil
	}
	return []any{holder}, a, nil
}

func compareAny(vals []any, a *attr, op filter.CompareOperator, want any) (bool, error) {
	if strings.EqualFold(string(op), "pr") {
		for _, v := range vals {
			if v != nil && v != "" {
				return true, nil
			}
		}
		return false, nil
	}
	for _, v := range vals {
		ok, err := compare(v, a, op, want)
		if err != nil || ok {
			return ok, err
		}
	}
	// ne matches a resource without the attribute.
	return len(vals) == 0 && strings.EqualFold(string(op), "ne"), nil
}

func compare(v any, a *attr, op filter.CompareOperator, want any) (bool, error) {
	o := strings.ToLower(string(op))
	switch x := v.(type) {
	case bool:
		w, ok := want.(bool)
		if !ok {
			return false, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("%s is a boolean; compare it with true or false", a.Name)}
		}
		switch o {
		case "eq":
			return x == w, nil
		case "ne":
			return x != w, nil
		}
		return false, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("operator %s does not apply to boolean %s", op, a.Name)}
	case string:
		w, ok := want.(string)
		if !ok {
			w = fmt.Sprint(want)
		}
		if !a.CaseExact {
			x, w = strings.ToLower(x), strings.ToLower(w)
		}
		switch o {
		case "eq":
			return x == w, nil
		case "ne":
			return x != w, nil
		case "co":
			return strings.Contains(x, w), nil
		case "sw":
			return strings.HasPrefix(x, w), nil
		case "ew":
			return strings.HasSuffix(x, w), nil
		case "gt":
			return x > w, nil
		case "ge":
			return x >= w, nil
		case "lt":
			return x < w, nil
		case "le":
			return x <= w, nil
		}
	}
	return false, &Error{Status: 400, Type: "invalidFilter", Detail: fmt.Sprintf("operator %s does not apply to %s", op, a.Name)}
}
