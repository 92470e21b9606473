package fake

import (
	"fmt"
	"strings"
)

// userQuery is a parsed users.list query: clauses joined by an implicit AND.
type userQuery struct {
	orgUnit     string // "" when absent
	suspended   *bool
	archived    *bool
	admin       *bool
	emailPrefix string
}

// parseUserQuery reads the subset of Google's user search syntax the fake
// supports: orgUnitPath=<value>, isSuspended=, isArchived=, isAdmin=,
// email:<prefix>*. A value is bare (no spaces) or in single quotes, where
// \' and \\ stand for ' and \.
func parseUserQuery(q string) (userQuery, error) {
	var uq userQuery
	rest := strings.TrimSpace(q)
	for rest != "" {
		i := strings.IndexAny(rest, "=:")
		if i <= 0 {
			return uq, fmt.Errorf("clause %q has no operator", rest)
		}
		field, op := rest[:i], rest[i]
		val, tail, err := readValue(rest[i+1:])
		if err != nil {
			return uq, fmt.Errorf("field %s: %w", field, err)
		}
		rest = strings.TrimLeft(tail, " ")
		switch {
		case strings.EqualFold(field, "orgUnitPath") && op == '=':
			if !strings.HasPrefix(val, "/") {
				return uq, fmt.Errorf("orgUnitPath %q must start with /", val)
			}
			uq.orgUnit = val
		case field == "isSuspended" && op == '=':
			uq.suspended, err = parseBool(val)
		case field == "isArchived" && op == '=':
			uq.archived, err = parseBool(val)
		case field == "isAdmin" && op == '=':
			uq.admin, err = parseBool(val)
		case field == "email" && op == ':' && strings.HasSuffix(val, "*"):
			uq.emailPrefix = strings.ToLower(strings.TrimSuffix(val, "*"))
		default:
			return uq, fmt.Errorf("unsupported clause %s%c%s", field, op, val)
		}
		if err != nil {
			return uq, err
		}
	}
	return uq, nil
}

func readValue(s string) (val, rest string, err error) {
	if !strings.HasPrefix(s, "'") {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return s, "", nil
		}
		return s[:i], s[i:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", "", fmt.Errorf("dangling escape")
			}
			i++
			b.WriteByte(s[i])
		case '\'':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated quote")
}

func parseBool(s string) (*bool, error) {
	switch strings.ToLower(s) {
	case "true":
		t := true
		return &t, nil
	case "false":
		f := false
		return &f, nil
	}
	return nil, fmt.Errorf("%q is not true or false", s)
}

func (q *userQuery) match(u *User) bool {
	if q.orgUnit != "" && !ouMatch(u.OrgUnitPath, q.orgUnit, true) {
		return false
	}
	if q.suspended != nil && u.Suspended != *q.suspended {
		return false
	}
	if q.archived != nil && u.Archived != *q.archived {
		return false
	}
	if q.admin != nil && u.IsAdmin != *q.admin {
		return false
	}
	if q.emailPrefix != "" && !strings.HasPrefix(strings.ToLower(u.PrimaryEmail), q.emailPrefix) {
		return false
	}
	return true
}

// fieldMask is a parsed fields= selection. A nil mask selects everything.
type fieldMask struct {
	children map[string]*fieldMask
}

// parseFields reads Google's partial-response syntax: a comma list of
// paths (a/b) each optionally followed by a parenthesised sub-selection.
func parseFields(s string) (*fieldMask, error) {
	if s == "" || s == "*" {
		return nil, nil
	}
	m := &fieldMask{children: map[string]*fieldMask{}}
	rest, err := m.parseList(s)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return nil, fmt.Errorf("unexpected %q", rest)
	}
	return m, nil
}

func (m *fieldMask) parseList(s string) (string, error) {
	for {
		i := strings.IndexAny(s, ",()")
		name := s
		if i >= 0 {
			name = s[:i]
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return s, fmt.Errorf("empty field name")
		}
		leaf := m
		for _, part := range strings.Split(name, "/") {
			if part == "" {
				return s, fmt.Errorf("empty field name in %q", name)
			}
			if leaf.children == nil {
				leaf.children = map[string]*fieldMask{}
			}
			next, ok := leaf.children[part]
			if !ok {
				next = &fieldMask{}
				leaf.children[part] = next
			}
			leaf = next
		}
		if i < 0 {
			return "", nil
		}
		s = s[i:]
		if s[0] == '(' {
			if leaf.children == nil {
				leaf.children = map[string]*fieldMask{}
			}
			rest, err := leaf.parseList(s[1:])
			if err != nil {
				return rest, err
			}
			if rest == "" || rest[0] != ')' {
				return rest, fmt.Errorf("missing )")
			}
			s = rest[1:]
			if s == "" {
				return "", nil
			}
		}
		switch s[0] {
		case ',':
			s = s[1:]
		case ')':
			return s, nil
		default:
			return s, fmt.Errorf("unexpected %q", s)
		}
	}
}

// has reports whether field is selected.
func (m *fieldMask) has(field string) bool {
	return m == nil || m.children == nil || m.children[field] != nil
}

// sub returns the selection below field (nil: all of it).
func (m *fieldMask) sub(field string) *fieldMask {
	if m == nil || m.children == nil {
		return nil
	}
	c := m.children[field]
	if c == nil || c.children == nil {
		return nil
	}
	return c
}

// schema is a response's field tree for "Invalid field selection"; a
// nil value is a leaf.
type schema map[string]schema

// unknown returns a selected field that sch does not have, or "".
func (m *fieldMask) unknown(sch schema, prefix string) string {
	if m == nil || m.children == nil {
		return ""
	}
	for name, c := range m.children {
		sub, ok := sch[name]
		if !ok {
			return prefix + name
		}
		if c.children == nil {
			continue
		}
		if sub == nil {
			for g := range c.children {
				return prefix + name + "/" + g
			}
		}
		if bad := c.unknown(sub, prefix+name+"/"); bad != "" {
			return bad
		}
	}
	return ""
}

// userSchema is the User resource's fields the fake serves.
func userSchema() schema {
	s := schema{}
	for _, f := range []string{"kind", "id", "etag", "primaryEmail", "isAdmin", "isDelegatedAdmin",
		"suspended", "archived", "orgUnitPath", "customerId", "creationTime", "lastLoginTime",
		"agreedToTerms", "changePasswordAtNextLogin", "includeInGlobalAddressList", "isMailboxSetup",
		"isEnrolledIn2Sv", "isEnforcedIn2Sv", "emails", "ipWhitelisted"} {
		s[f] = nil
	}
	s["name"] = schema{"givenName": nil, "familyName": nil, "fullName": nil, "displayName": nil}
	return s
}

// usersSchema is users.list's response.
func usersSchema() schema {
	return schema{"kind": nil, "etag": nil, "nextPageToken": nil, "trigger_event": nil, "users": userSchema()}
}
