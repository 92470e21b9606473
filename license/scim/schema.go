package scim

import (
	"fmt"
	"strings"
)

// Schema URNs (RFC 7643 §8.7).
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSPConfig   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResType    = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// attr describes one attribute as RFC 7643 §7 does: the server stores
// what its schemas describe, answers /Schemas from the same table, and
// matches names case-insensitively (§2.1).
type attr struct {
	Name       string
	Type       string // string, boolean, complex, reference, dateTime
	Multi      bool
	CaseExact  bool
	Mutability string // readWrite (default), readOnly, immutable, writeOnly
	Returned   string // default (default), always, never
	Uniqueness string // none (default), server
	Required   bool
	Sub        []attr
}

func (a *attr) sub(name string) *attr {
	for i := range a.Sub {
		if strings.EqualFold(a.Sub[i].Name, name) {
			return &a.Sub[i]
		}
	}
	return nil
}

func str(name string) attr { return attr{Name: name, Type: "string"} }

var multiValued = []attr{str("value"), str("display"), str("type"), {Name: "primary", Type: "boolean"}}

var userSchema = attr{Name: "User", Type: "complex", Sub: []attr{
	{Name: "userName", Type: "string", Required: true, Uniqueness: "server"},
	{Name: "name", Type: "complex", Sub: []attr{str("formatted"), str("familyName"), str("givenName"), str("middleName"), str("honorificPrefix"), str("honorificSuffix")}},
	str("displayName"), str("nickName"), {Name: "profileUrl", Type: "reference"}, str("title"), str("userType"),
	str("preferredLanguage"), str("locale"), str("timezone"),
	{Name: "active", Type: "boolean"},
	{Name: "password", Type: "string", Mutability: "writeOnly", Returned: "never"},
	{Name: "emails", Type: "complex", Multi: true, Sub: multiValued},
	{Name: "phoneNumbers", Type: "complex", Multi: true, Sub: multiValued},
	{Name: "ims", Type: "complex", Multi: true, Sub: multiValued},
	{Name: "photos", Type: "complex", Multi: true, Sub: multiValued},
	{Name: "addresses", Type: "complex", Multi: true, Sub: []attr{str("formatted"), str("streetAddress"), str("locality"), str("region"),
		str("postalCode"), str("country"), str("type"), {Name: "primary", Type: "boolean"}}},
	{Name: "groups", Type: "complex", Multi: true, Mutability: "readOnly", Sub: []attr{str("value"), {Name: "$ref", Type: "reference"}, str("display"), str("type")}},
	{Name: "entitlements", Type: "complex", Multi: true, Sub: multiValued},
	{Name: "roles", Type: "complex", Multi: true, Sub: multiValued},
}}

var enterpriseSchema = attr{Name: "EnterpriseUser", Type: "complex", Sub: []attr{
	str("employeeNumber"), str("costCenter"), str("organization"), str("division"), str("department"),
	{Name: "manager", Type: "complex", Sub: []attr{str("value"), {Name: "$ref", Type: "reference"}, {Name: "displayName", Type: "string", Mutability: "readOnly"}}},
}}

var groupSchema = attr{Name: "Group", Type: "complex", Sub: []attr{
	{Name: "displayName", Type: "string", Required: true},
	{Name: "members", Type: "complex", Multi: true, Sub: []attr{{Name: "value", Type: "string", Mutability: "immutable"},
		{Name: "$ref", Type: "reference", Mutability: "immutable"}, {Name: "display", Type: "string", Mutability: "immutable"}, {Name: "type", Type: "string", Mutability: "immutable"}}},
}}

// common attributes of every resource (RFC 7643 §3.1).
var (
	attrID         = attr{Name: "id", Type: "string", CaseExact: true, Mutability: "readOnly", Returned: "always", Uniqueness: "server"}
	attrExternalID = attr{Name: "externalId", Type: "string", CaseExact: true}
)

func schemaOf(kind string) *attr {
	if kind == KindGroup {
		return &groupSchema
	}
	return &userSchema
}

// lookup finds the attribute a (possibly URN-qualified) name means for a
// kind: the schema holding it, its definition and its canonical name.
func lookup(kind, uri, name string) (ext string, a *attr) {
	switch {
	case strings.EqualFold(name, "id"):
		return "", &attrID
	case strings.EqualFold(name, "externalId"):
		return "", &attrExternalID
	case kind == KindUser && strings.EqualFold(uri, SchemaEnterprise):
		return SchemaEnterprise, enterpriseSchema.sub(name)
	case uri != "" && !strings.EqualFold(uri, SchemaUser) && !strings.EqualFold(uri, SchemaGroup):
		return uri, nil
	}
	return "", schemaOf(kind).sub(name)
}

// badValue is an invalidValue error naming the attribute.
func badValue(path, format string, args ...any) error {
	return &Error{Status: 400, Type: "invalidValue", Detail: path + ": " + fmt.Sprintf(format, args...)}
}

// coerce checks v against a and returns it in canonical form: booleans
// from Entra's "True"/"False" strings, complex values with canonical
// sub-attribute names, write-only and read-only values dropped.
func coerce(path string, a *attr, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Multi {
		list, ok := v.([]any)
		if !ok {
			list = []any{v} // a lone value where a list belongs: Entra sends one
		}
		out := make([]any, 0, len(list))
		single := *a
		single.Multi = false
		for i, e := range list {
			c, err := coerce(fmt.Sprintf("%s[%d]", path, i), &single, e)
			if err != nil {
				return nil, err
			}
			if c != nil {
				out = append(out, c)
			}
		}
		return out, nil
	}
	switch a.Type {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(x) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
		return nil, badValue(path, "want true or false, got %v", v)
	case "complex":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, badValue(path, "want an object, got %v", v)
		}
		out := map[string]any{}
		for k, e := range m {
			sub := a.sub(k)
			if sub == nil {
				continue // unknown sub-attributes are ignored, as most providers do
			}
			c, err := coerce(path+"."+sub.Name, sub, e)
			if err != nil {
				return nil, err
			}
			if c != nil {
				out[sub.Name] = c
			}
		}
		return out, nil
	default:
		s, ok := v.(string)
		if !ok {
			switch v.(type) {
			case float64, bool:
				return fmt.Sprint(v), nil // lenient: numbers and booleans where strings belong
			}
			return nil, badValue(path, "want a string, got %v", v)
		}
		return s, nil
	}
}

// normalize turns a client's document into the stored form: canonical
// names, coerced values, read-only and write-only attributes dropped,
// unknown attributes ignored.
func normalize(kind string, in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range in {
		if strings.EqualFold(k, "schemas") || strings.EqualFold(k, "meta") || strings.EqualFold(k, "id") {
			continue
		}
		if kind == KindUser && strings.EqualFold(k, SchemaEnterprise) {
			c, err := coerce(SchemaEnterprise, &enterpriseSchema, v)
			if err != nil {
				return nil, err
			}
			if m, _ := c.(map[string]any); len(m) > 0 {
				out[SchemaEnterprise] = m
			}
			continue
		}
		_, a := lookup(kind, "", k)
		if a == nil || a.Mutability == "readOnly" || a.Mutability == "writeOnly" {
			continue
		}
		c, err := coerce(a.Name, a, v)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out[a.Name] = c
		}
	}
	return out, validateDoc(kind, out)
}

func validateDoc(kind string, doc map[string]any) error {
	if kind == KindUser {
		if strings.TrimSpace(userNameOf(doc)) == "" {
			return badValue("userName", "is required")
		}
	} else if s, _ := doc["displayName"].(string); strings.TrimSpace(s) == "" {
		return badValue("displayName", "is required")
	}
	return nil
}

func userNameOf(doc map[string]any) string {
	s, _ := doc["userName"].(string)
	return s
}

// active reports a user's active flag; absent means active (RFC 7643
// leaves the default to the provider; Entra and Okta always send it).
func active(doc map[string]any) bool {
	b, ok := doc["active"].(bool)
	return !ok || b
}

// emailOf is the address a user's claims use: the primary email, else
// the work one, else the first, else the userName when it is an address.
func emailOf(doc map[string]any) string {
	list, _ := doc["emails"].([]any)
	pick := func(ok func(m map[string]any) bool) string {
		for _, e := range list {
			if m, _ := e.(map[string]any); m != nil && ok(m) {
				if v, _ := m["value"].(string); v != "" {
					return v
				}
			}
		}
		return ""
	}
	if v := pick(func(m map[string]any) bool { b, _ := m["primary"].(bool); return b }); v != "" {
		return v
	}
	if v := pick(func(m map[string]any) bool { t, _ := m["type"].(string); return strings.EqualFold(t, "work") }); v != "" {
		return v
	}
	if v := pick(func(map[string]any) bool { return true }); v != "" {
		return v
	}
	if u := userNameOf(doc); strings.Contains(u, "@") {
		return u
	}
	return ""
}

// displayNameOf is the name a claim carries.
func displayNameOf(doc map[string]any) string {
	if s, _ := doc["displayName"].(string); s != "" {
		return s
	}
	if n, _ := doc["name"].(map[string]any); n != nil {
		if s, _ := n["formatted"].(string); s != "" {
			return s
		}
		g, _ := n["givenName"].(string)
		f, _ := n["familyName"].(string)
		return strings.TrimSpace(g + " " + f)
	}
	return ""
}
