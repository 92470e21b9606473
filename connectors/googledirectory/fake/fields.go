package fake

import (
	"encoding/json"
	"net/http"
)

// Partial responses for the methods other than users.list and users.get,
// which write their masks field by field: Google applies fields= to every
// method ("Partial response", Admin SDK performance guide), so a client
// that asks for organizationUnits(orgUnitId,orgUnitPath) gets no names,
// and one that names a field the resource lacks gets 400.

func orgUnitSchema() schema {
	return schema{"kind": nil, "etag": nil, "name": nil, "description": nil, "orgUnitPath": nil, "orgUnitId": nil,
		"parentOrgUnitPath": nil, "parentOrgUnitId": nil, "blockInheritance": nil}
}

func orgUnitsSchema() schema {
	return schema{"kind": nil, "etag": nil, "organizationUnits": orgUnitSchema()}
}

func roleAssignmentsSchema() schema {
	return schema{"kind": nil, "etag": nil, "nextPageToken": nil, "items": schema{"kind": nil, "etag": nil,
		"roleAssignmentId": nil, "roleId": nil, "assignedTo": nil, "assigneeType": nil, "scopeType": nil,
		"orgUnitId": nil, "condition": nil}}
}

func roleSchema() schema {
	return schema{"kind": nil, "etag": nil, "roleId": nil, "roleName": nil, "roleDescription": nil,
		"rolePrivileges": schema{"serviceId": nil, "privilegeName": nil}, "isSystemRole": nil, "isSuperAdminRole": nil}
}

// readMask parses a request's fields= against the method's response schema.
func readMask(r *http.Request, sch schema) (*fieldMask, *apiError) {
	mask, err := parseFields(r.URL.Query().Get("fields"))
	if err != nil {
		return nil, errBadRequest("Invalid field selection: " + err.Error())
	}
	if bad := mask.unknown(sch, ""); bad != "" {
		return nil, errBadRequest("Invalid field selection " + bad)
	}
	return mask, nil
}

// prune keeps what m selects of a decoded JSON value; arrays are masked
// element by element, as Google masks repeated fields.
func (m *fieldMask) prune(v any) any {
	if m == nil || m.children == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if m.has(k) {
				out[k] = m.sub(k).prune(e)
			}
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = m.prune(e)
		}
		return x
	}
	return v
}

// writeMasked sends v with only the fields mask selects.
func writeMasked(w http.ResponseWriter, v any, mask *fieldMask) *apiError {
	if mask == nil {
		return writeJSON(w, v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return errServer(500)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return errServer(500)
	}
	return writeJSON(w, mask.prune(generic))
}
