package scim

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// patchOp is one PATCH operation (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string
	Path  string
	Value any
}

// decodePatch reads a PatchOp body. Names are matched case-insensitively
// (Entra writes "Operations" and "Replace").
func decodePatch(body []byte) ([]patchOp, error) {
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: "body: " + err.Error()}
	}
	var list []any
	for k, v := range raw {
		if strings.EqualFold(k, "Operations") {
			list, _ = v.([]any)
		}
	}
	if len(list) == 0 {
		return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: "Operations: a PATCH needs at least one operation"}
	}
	ops := make([]patchOp, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: fmt.Sprintf("Operations[%d]: want an object", i)}
		}
		var op patchOp
		for k, v := range m {
			switch strings.ToLower(k) {
			case "op":
				op.Op, _ = v.(string)
			case "path":
				op.Path, _ = v.(string)
			case "value":
				op.Value = v
			}
		}
		op.Op = strings.ToLower(op.Op)
		if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
			return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: fmt.Sprintf("Operations[%d].op %q: want add, replace or remove", i, op.Op)}
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// applyPatch applies ops to a copy of doc.
func applyPatch(kind string, doc map[string]any, ops []patchOp) (map[string]any, error) {
	out := cloneDoc(doc)
	for i, op := range ops {
		if err := applyOp(kind, out, op); err != nil {
			if e, ok := err.(*Error); ok {
				e.Detail = fmt.Sprintf("Operations[%d]: %s", i, e.Detail)
				return nil, e
			}
			return nil, err
		}
	}
	return out, validateDoc(kind, out)
}

func applyOp(kind string, doc map[string]any, op patchOp) error {
	if op.Path != "" {
		return applyPath(kind, doc, op.Op, op.Path, op.Value)
	}
	if op.Op == "remove" {
		return &Error{Status: 400, Type: "noTarget", Detail: "remove needs a path"}
	}
	m, ok := op.Value.(map[string]any)
	if !ok {
		return &Error{Status: 400, Type: "invalidValue", Detail: "an operation without a path needs an object value"}
	}
	for k, v := range m {
		if strings.EqualFold(k, "schemas") || strings.EqualFold(k, "meta") || strings.EqualFold(k, "id") {
			continue
		}
		if kind == KindUser && strings.EqualFold(k, SchemaEnterprise) {
			sub, _ := v.(map[string]any)
			for sk, sv := range sub {
				if err := applyPath(kind, doc, op.Op, SchemaEnterprise+":"+sk, sv); err != nil {
					return err
				}
			}
			continue
		}
		// Entra sends dotted keys ("name.givenName") and URN-qualified ones.
		if err := applyPath(kind, doc, op.Op, k, v); err != nil {
			return err
		}
	}
	return nil
}

func applyPath(kind string, doc map[string]any, op, rawPath string, value any) error {
	p, err := filter.ParsePath([]byte(rawPath))
	if err != nil {
		return &Error{Status: 400, Type: "invalidPath", Detail: fmt.Sprintf("path %q: %v", rawPath, err)}
	}
	ext, a := lookup(kind, p.AttributePath.URI(), p.AttributePath.AttributeName)
	if a == nil {
		if ext != "" {
			return nil // an extension this server does not keep: ignored, as providers expect
		}
		return &Error{Status: 400, Type: "invalidPath", Detail: fmt.Sprintf("path %q: no attribute %s", rawPath, p.AttributePath.AttributeName)}
	}
	if a.Mutability == "readOnly" || a == &attrID {
		return &Error{Status: 400, Type: "mutability", Detail: fmt.Sprintf("path %q: %s is read-only", rawPath, a.Name)}
	}
	if a.Mutability == "writeOnly" {
		return nil // passwords are never stored
	}
	container := doc
	if ext != "" {
		m, _ := doc[ext].(map[string]any)
		if m == nil {
			m = map[string]any{}
			doc[ext] = m
		}
		container = m
	}
	subName := ""
	if p.AttributePath.SubAttribute != nil {
		subName = *p.AttributePath.SubAttribute
	}
	if p.SubAttribute != nil {
		subName = *p.SubAttribute
	}
	var sub *attr
	if subName != "" {
		if sub = a.sub(subName); sub == nil {
			return &Error{Status: 400, Type: "invalidPath", Detail: fmt.Sprintf("path %q: %s has no sub-attribute %s", rawPath, a.Name, subName)}
		}
	}
	if p.ValueExpression != nil {
		return applyFiltered(container, a, sub, p.ValueExpression, op, rawPath, value)
	}
	if sub != nil {
		if a.Multi {
			return &Error{Status: 400, Type: "invalidPath", Detail: fmt.Sprintf("path %q: name an element of %s with a filter", rawPath, a.Name)}
		}
		m, _ := container[a.Name].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if op == "remove" {
			delete(m, sub.Name)
		} else {
			v, err := coerce(rawPath, sub, value)
			if err != nil {
				return err
			}
			m[sub.Name] = v
		}
		if len(m) == 0 {
			delete(container, a.Name)
		} else {
			container[a.Name] = m
		}
		return nil
	}
	switch op {
	case "remove":
		if a.Multi && value != nil {
			// Entra removes members with {"path":"members","value":[{"value":id}]}.
			drop, err := coerce(rawPath, a, value)
			if err != nil {
				return err
			}
			keep := []any{}
			list, _ := container[a.Name].([]any)
			for _, el := range list {
				if !containsValue(drop.([]any), el) {
					keep = append(keep, el)
				}
			}
			container[a.Name] = keep
			return nil
		}
		delete(container, a.Name)
		return nil
	case "add":
		v, err := coerce(rawPath, a, value)
		if err != nil {
			return err
		}
		switch {
		case a.Multi:
			list, _ := container[a.Name].([]any)
			for _, el := range v.([]any) {
				if !containsValue(list, el) {
					list = append(list, el)
				}
			}
			container[a.Name] = list
		case a.Type == "complex":
			m, _ := container[a.Name].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			maps.Copy(m, v.(map[string]any))
			container[a.Name] = m
		default:
			container[a.Name] = v
		}
		return nil
	default: // replace
		v, err := coerce(rawPath, a, value)
		if err != nil {
			return err
		}
		if a.Type == "complex" && !a.Multi {
			m, _ := container[a.Name].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			maps.Copy(m, v.(map[string]any))
			v = m
		}
		container[a.Name] = v
		return nil
	}
}

// applyFiltered changes the elements of a multi-valued attribute that a
// value filter picks (emails[type eq "work"].value).
func applyFiltered(container map[string]any, a, sub *attr, expr filter.Expression, op, rawPath string, value any) error {
	if !a.Multi || a.Type != "complex" {
		return &Error{Status: 400, Type: "invalidPath", Detail: fmt.Sprintf("path %q: %s is not multi-valued", rawPath, a.Name)}
	}
	list, _ := container[a.Name].([]any)
	var hits []int
	for i, el := range list {
		m, _ := el.(map[string]any)
		ok, err := matchElement(a, m, expr)
		if err != nil {
			e := err.(*Error)
			e.Type = "invalidPath"
			return e
		}
		if ok {
			hits = append(hits, i)
		}
	}
	if op == "remove" {
		if len(hits) == 0 {
			return nil // already gone: removing is idempotent
		}
		keep := []any{}
		for i, el := range list {
			if !slices.Contains(hits, i) {
				keep = append(keep, el)
			} else if sub != nil {
				m := maps.Clone(el.(map[string]any))
				delete(m, sub.Name)
				keep = append(keep, m)
			}
		}
		container[a.Name] = keep
		return nil
	}
	var patchEl map[string]any
	if sub != nil {
		v, err := coerce(rawPath, sub, value)
		if err != nil {
			return err
		}
		patchEl = map[string]any{sub.Name: v}
	} else {
		single := *a
		single.Multi = false
		v, err := coerce(rawPath, &single, value)
		if err != nil {
			return err
		}
		patchEl, _ = v.(map[string]any)
	}
	if len(hits) == 0 {
		// Entra replaces emails[type eq "work"].value on users with no
		// work email yet: create the element the equality filter names.
		seed, ok := equalities(expr)
		if !ok {
			return &Error{Status: 400, Type: "noTarget", Detail: fmt.Sprintf("path %q matches no element of %s", rawPath, a.Name)}
		}
		maps.Copy(seed, patchEl)
		container[a.Name] = append(list, seed)
		return nil
	}
	for _, i := range hits {
		m := maps.Clone(list[i].(map[string]any))
		maps.Copy(m, patchEl)
		list[i] = m
	}
	container[a.Name] = list
	return nil
}

// equalities reads a filter made only of "x eq v" joined by and.
func equalities(e filter.Expression) (map[string]any, bool) {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		if !strings.EqualFold(string(x.Operator), "eq") {
			return nil, false
		}
		return map[string]any{x.AttributePath.AttributeName: x.CompareValue}, true
	case *filter.LogicalExpression:
		if x.Operator != filter.AND {
			return nil, false
		}
		l, ok1 := equalities(x.Left)
		r, ok2 := equalities(x.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		maps.Copy(l, r)
		return l, true
	}
	return nil, false
}

// containsValue reports whether list holds an element with el's value
// (members and multi-valued attributes are identified by value).
func containsValue(list []any, el any) bool {
	key := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			return fmt.Sprint(m["value"])
		}
		return fmt.Sprint(v)
	}
	k := key(el)
	for _, x := range list {
		if key(x) == k {
			return true
		}
	}
	return false
}

func cloneDoc(doc map[string]any) map[string]any {
	data, _ := json.Marshal(doc)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	if out == nil {
		out = map[string]any{}
	}
	return out
}
