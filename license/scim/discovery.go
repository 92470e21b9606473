package scim

import (
	"net/http"
	"strings"
)

// spConfig answers what this provider supports (RFC 7643 §5). The
// discovery endpoints carry no data, so they answer without a token, as
// clients probe them before they have one configured.
func (s *Server) spConfig(w http.ResponseWriter, r *http.Request) {
	_ = writeJSON(w, http.StatusOK, "", map[string]any{
		"schemas":          []string{SchemaSPConfig},
		"documentationUri": "https://github.com/rollcall-sync/rollcall#scim",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": MaxCount},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
			"description": "A bearer token made with 'rollcall scim token create', one per provisioning connection",
			"specUri":     "https://www.rfc-editor.org/info/rfc6750",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": base(r) + "/ServiceProviderConfig"},
	})
}

func resourceType(r *http.Request, kind string) map[string]any {
	rt := map[string]any{
		"schemas": []string{SchemaResType}, "id": kind, "name": kind, "endpoint": "/" + kind + "s",
		"meta": map[string]any{"resourceType": "ResourceType", "location": base(r) + "/ResourceTypes/" + kind},
	}
	if kind == KindUser {
		rt["description"] = "User Account"
		rt["schema"] = SchemaUser
		rt["schemaExtensions"] = []any{map[string]any{"schema": SchemaEnterprise, "required": false}}
	} else {
		rt["description"] = "Group"
		rt["schema"] = SchemaGroup
	}
	return rt
}

func (s *Server) resourceTypes(w http.ResponseWriter, r *http.Request) {
	if name := r.PathValue("name"); name != "" {
		for _, k := range []string{KindUser, KindGroup} {
			if strings.EqualFold(name, k) {
				_ = writeJSON(w, http.StatusOK, "", resourceType(r, k))
				return
			}
		}
		writeError(w, notFound("resource type "+name))
		return
	}
	list := []any{resourceType(r, KindUser), resourceType(r, KindGroup)}
	_ = writeJSON(w, http.StatusOK, "", map[string]any{"schemas": []string{SchemaList}, "totalResults": len(list),
		"startIndex": 1, "itemsPerPage": len(list), "Resources": list})
}

func (s *Server) schemas(w http.ResponseWriter, r *http.Request) {
	all := []map[string]any{
		schemaDoc(r, SchemaUser, "User", "User Account", &userSchema),
		schemaDoc(r, SchemaGroup, "Group", "Group", &groupSchema),
		schemaDoc(r, SchemaEnterprise, "EnterpriseUser", "Enterprise User", &enterpriseSchema),
	}
	if id := r.PathValue("id"); id != "" {
		for _, d := range all {
			if strings.EqualFold(d["id"].(string), id) {
				_ = writeJSON(w, http.StatusOK, "", d)
				return
			}
		}
		writeError(w, notFound("schema "+id))
		return
	}
	list := make([]any, len(all))
	for i, d := range all {
		list[i] = d
	}
	_ = writeJSON(w, http.StatusOK, "", map[string]any{"schemas": []string{SchemaList}, "totalResults": len(list),
		"startIndex": 1, "itemsPerPage": len(list), "Resources": list})
}

func schemaDoc(r *http.Request, id, name, desc string, a *attr) map[string]any {
	attrs := make([]any, 0, len(a.Sub))
	for i := range a.Sub {
		attrs = append(attrs, attrDoc(&a.Sub[i]))
	}
	return map[string]any{"schemas": []string{SchemaSchema}, "id": id, "name": name, "description": desc, "attributes": attrs,
		"meta": map[string]any{"resourceType": "Schema", "location": base(r) + "/Schemas/" + id}}
}

func attrDoc(a *attr) map[string]any {
	or := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	d := map[string]any{
		"name": a.Name, "type": a.Type, "multiValued": a.Multi, "required": a.Required, "caseExact": a.CaseExact,
		"mutability": or(a.Mutability, "readWrite"), "returned": or(a.Returned, "default"), "uniqueness": or(a.Uniqueness, "none"),
	}
	if len(a.Sub) > 0 {
		subs := make([]any, len(a.Sub))
		for i := range a.Sub {
			subs[i] = attrDoc(&a.Sub[i])
		}
		d["subAttributes"] = subs
	}
	return d
}

func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix
}
