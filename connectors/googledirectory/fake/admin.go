package fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

type orgUnitJSON struct {
	Kind              string `json:"kind"`
	Etag              string `json:"etag"`
	Name              string `json:"name"`
	Description       string `json:"description,omitempty"`
	OrgUnitPath       string `json:"orgUnitPath"`
	OrgUnitID         string `json:"orgUnitId"`
	ParentOrgUnitPath string `json:"parentOrgUnitPath,omitempty"`
	ParentOrgUnitID   string `json:"parentOrgUnitId,omitempty"`
}

// orgUnitsList is orgunits.list: not paged; type all, children (the
// default) or allIncludingParent, below orgUnitPath (default "/").
func (s *Server) orgUnitsList(w http.ResponseWriter, r *http.Request, _ *issuedToken) *apiError {
	s.count.orgUnits.Add(1)
	mask, aerr := readMask(r, orgUnitsSchema())
	if aerr != nil {
		return aerr
	}
	q := r.URL.Query()
	typ := q.Get("type")
	switch typ {
	case "":
		typ = "children"
	case "all", "children", "allIncludingParent":
	default:
		return errBadRequest("Invalid value for type: " + typ)
	}
	parent := q.Get("orgUnitPath")
	if parent == "" {
		parent = "/"
	}
	if !strings.HasPrefix(parent, "/") {
		parent = "/" + parent
	}
	var base *OrgUnit
	for i := range s.d.OrgUnits {
		if strings.EqualFold(s.d.OrgUnits[i].Path, parent) || s.d.OrgUnits[i].ID == strings.TrimPrefix(parent, "/") {
			base = &s.d.OrgUnits[i]
		}
	}
	if base == nil {
		return errNotFound("Org unit not found")
	}
	var out []orgUnitJSON
	for _, ou := range s.d.OrgUnits {
		keep := false
		switch typ {
		case "children":
			keep = ou.Path != "/" && ou.ParentPath == base.Path
		case "all":
			keep = ou.Path != base.Path && ouMatch(ou.Path, base.Path, true)
		case "allIncludingParent":
			keep = ouMatch(ou.Path, base.Path, true)
		}
		if keep {
			out = append(out, orgUnitJSON{Kind: "admin#directory#orgUnit", Etag: `"fake-ou"`, Name: ou.Name,
				OrgUnitPath: ou.Path, OrgUnitID: ou.ID, ParentOrgUnitPath: ou.ParentPath, ParentOrgUnitID: ou.ParentID})
		}
	}
	return writeMasked(w, struct {
		Kind  string        `json:"kind"`
		Etag  string        `json:"etag"`
		Units []orgUnitJSON `json:"organizationUnits,omitempty"`
	}{"admin#directory#orgUnits", `"fake-ous"`, out}, mask)
}

type assignmentJSON struct {
	Kind         string `json:"kind"`
	Etag         string `json:"etag"`
	ID           string `json:"roleAssignmentId"`
	RoleID       string `json:"roleId"`
	AssignedTo   string `json:"assignedTo"`
	AssigneeType string `json:"assigneeType"`
	ScopeType    string `json:"scopeType"`
	OrgUnitID    string `json:"orgUnitId,omitempty"`
}

// roleAssignmentsList is roleAssignments.list, paged (maxResults 1–200).
func (s *Server) roleAssignmentsList(w http.ResponseWriter, r *http.Request, _ *issuedToken) *apiError {
	s.count.roleAssigns.Add(1)
	mask, aerr := readMask(r, roleAssignmentsSchema())
	if aerr != nil {
		return aerr
	}
	q := r.URL.Query()
	limit := 100
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return errBadRequest(fmt.Sprintf("Invalid value '%s'. Values must be within the range: [1, 200]", v))
		}
		limit = n
	}
	userKey := q.Get("userKey")
	if q.Get("includeIndirectRoleAssignments") == "true" && userKey == "" {
		return errBadRequest("includeIndirectRoleAssignments requires userKey")
	}
	userID := ""
	if userKey != "" {
		s.mu.RLock()
		i, ok := s.findKey(userKey)
		if ok {
			userID = s.d.Users[i].ID
		}
		s.mu.RUnlock()
		if !ok {
			return errNotFound("userKey")
		}
	}
	var all []assignmentJSON
	for _, a := range s.d.Assigns {
		if userID != "" && a.UserID != userID {
			continue
		}
		if v := q.Get("roleId"); v != "" && v != strconv.FormatInt(a.RoleID, 10) {
			continue
		}
		all = append(all, assignmentJSON{Kind: "admin#directory#roleAssignment", Etag: `"fake-ra"`,
			ID: strconv.FormatInt(a.ID, 10), RoleID: strconv.FormatInt(a.RoleID, 10), AssignedTo: a.UserID,
			AssigneeType: "USER", ScopeType: a.ScopeType, OrgUnitID: a.OrgUnitID})
	}
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(all) {
			return errBadRequest("Invalid Input: pageToken")
		}
		start = n
	}
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return writeMasked(w, struct {
		Kind  string           `json:"kind"`
		Etag  string           `json:"etag"`
		Items []assignmentJSON `json:"items,omitempty"`
		Next  string           `json:"nextPageToken,omitempty"`
	}{"admin#directory#roleAssignments", `"fake-ras"`, all[start:end], next}, mask)
}

// rolesGet is roles.get.
func (s *Server) rolesGet(w http.ResponseWriter, r *http.Request, _ *issuedToken) *apiError {
	s.count.roles.Add(1)
	mask, aerr := readMask(r, roleSchema())
	if aerr != nil {
		return aerr
	}
	id := r.PathValue("roleId")
	for _, role := range s.d.Roles {
		if strconv.FormatInt(role.ID, 10) != id {
			continue
		}
		type priv struct {
			ServiceID string `json:"serviceId"`
			Name      string `json:"privilegeName"`
		}
		privs := make([]priv, len(role.Privileges))
		for i, p := range role.Privileges {
			privs[i] = priv(p)
		}
		return writeMasked(w, struct {
			Kind        string `json:"kind"`
			Etag        string `json:"etag"`
			ID          string `json:"roleId"`
			Name        string `json:"roleName"`
			Description string `json:"roleDescription,omitempty"`
			Privileges  []priv `json:"rolePrivileges"`
			System      bool   `json:"isSystemRole,omitempty"`
			Super       bool   `json:"isSuperAdminRole,omitempty"`
		}{"admin#directory#role", `"fake-role"`, id, role.Name, role.Description, privs, role.System, role.SuperAdmin}, mask)
	}
	return errNotFound("roleId")
}

func writeJSON(w http.ResponseWriter, v any) *apiError {
	b, err := json.Marshal(v)
	if err != nil {
		return errServer(500)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(append(b, '\n'))
	return nil
}
