package oauth1

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// AuthorizationHeader is §3.5.1's header: `OAuth realm="...", name="value",
// ...` with the realm first when given, oauth_signature last and the other
// names sorted, names and values encoded.
func AuthorizationHeader(realm string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "oauth_signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if _, ok := params["oauth_signature"]; ok {
		keys = append(keys, "oauth_signature")
	}
	var b strings.Builder
	b.WriteString("OAuth ")
	sep := ""
	if realm != "" {
		b.WriteString(`realm="`)
		b.WriteString(strings.ReplaceAll(realm, `"`, ""))
		b.WriteByte('"')
		sep = ", "
	}
	for _, k := range keys {
		b.WriteString(sep)
		sep = ", "
		b.WriteString(PercentEncode(k))
		b.WriteString(`="`)
		b.WriteString(PercentEncode(params[k]))
		b.WriteByte('"')
	}
	return b.String()
}

// ParseAuthorization reads an `OAuth ...` header back into its realm and
// decoded parameters, as a server does before verifying. Whitespace and
// line breaks between parameters are allowed; a parameter named twice, an
// unquoted value or a bad escape is an error.
func ParseAuthorization(h string) (realm string, params map[string]string, err error) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "OAuth") {
		return "", nil, fmt.Errorf("the Authorization header does not use the OAuth scheme")
	}
	params = map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok || len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			return "", nil, fmt.Errorf("OAuth parameter %q is not name=\"value\"", part)
		}
		name = strings.TrimSpace(name)
		val = val[1 : len(val)-1]
		if name == "realm" {
			realm = val
			continue
		}
		dn, err1 := url.PathUnescape(name)
		dv, err2 := url.PathUnescape(val)
		if err1 != nil || err2 != nil {
			return "", nil, fmt.Errorf("OAuth parameter %s: bad percent-encoding", name)
		}
		if _, dup := params[dn]; dup {
			return "", nil, fmt.Errorf("OAuth parameter %s is given twice", dn)
		}
		params[dn] = dv
	}
	return realm, params, nil
}
