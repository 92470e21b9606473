package googledirectory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/googleapi"
)

// CanReadOrgUnits reports whether adminEmail may read the users of every
// org unit in ous, as Google decides it: a super admin may; a delegated
// admin may when one of their role assignments gives a role that can read
// users (a users-read privilege, or a super admin role) over the whole
// customer, or over an org unit that is each requested unit or one of its
// ancestors. The string explains the answer in words for the person who
// asked; the error is for calls that failed, not for a refusal.
//
// Role assignments by group (includeIndirectRoleAssignments) count;
// conditional assignments are taken at face value.
func (c *Connector) CanReadOrgUnits(ctx context.Context, adminEmail string, ous []string) (bool, string, error) {
	for _, ou := range ous {
		if err := checkPath(ou); err != nil {
			return false, "", fmt.Errorf("%s: org unit %q: %w", c.prefix(), ou, err)
		}
	}
	u, err := c.svc.Users.Get(adminEmail).Projection("basic").
		Fields("id,primaryEmail,isAdmin,isDelegatedAdmin,suspended").Context(ctx).Do()
	if gerr := (*googleapi.Error)(nil); errors.As(err, &gerr) && gerr.Code == http.StatusNotFound {
		return false, fmt.Sprintf("%s is not a user of this Google Workspace account", adminEmail), nil
	}
	if err != nil {
		return false, "", c.wrap("users.get "+adminEmail, err)
	}
	switch {
	case u.Suspended:
		return false, fmt.Sprintf("%s is suspended in Google Workspace", adminEmail), nil
	case u.IsAdmin:
		return true, fmt.Sprintf("%s is a Google Workspace super admin", adminEmail), nil
	}

	var assigns []*admin.RoleAssignment
	err = c.svc.RoleAssignments.List(c.s.Customer).UserKey(u.Id).IncludeIndirectRoleAssignments(true).
		MaxResults(200).Pages(ctx, func(r *admin.RoleAssignments) error {
		assigns = append(assigns, r.Items...)
		return nil
	})
	if err != nil {
		return false, "", c.wrap("roleAssignments.list for "+adminEmail, err)
	}
	if len(assigns) == 0 {
		return false, fmt.Sprintf("%s is not a Google Workspace admin", adminEmail), nil
	}

	roles := map[int64]*admin.Role{}
	var readerIDs []string // org unit ids of user-reading assignments
	var roleNames []string
	for _, a := range assigns {
		role, ok := roles[a.RoleId]
		if !ok {
			role, err = c.svc.Roles.Get(c.s.Customer, strconv.FormatInt(a.RoleId, 10)).
				Fields("roleId,roleName,isSuperAdminRole,rolePrivileges(privilegeName,serviceId)").Context(ctx).Do()
			if err != nil {
				return false, "", c.wrap(fmt.Sprintf("roles.get %d", a.RoleId), err)
			}
			roles[a.RoleId] = role
		}
		if !slices.Contains(roleNames, role.RoleName) {
			roleNames = append(roleNames, role.RoleName)
		}
		if !readsUsers(role) {
			continue
		}
		if a.ScopeType == "CUSTOMER" {
			return true, fmt.Sprintf("%s holds %s over the whole organization", adminEmail, role.RoleName), nil
		}
		if a.ScopeType == "ORG_UNIT" && a.OrgUnitId != "" {
			readerIDs = append(readerIDs, strings.TrimPrefix(a.OrgUnitId, "id:"))
		}
	}
	if len(readerIDs) == 0 {
		return false, fmt.Sprintf("%s is a delegated admin, but none of their roles (%s) can read users",
			adminEmail, strings.Join(roleNames, ", ")), nil
	}

	// Assignments name org units by id (without the "id:" prefix that
	// orgunits.list gives): map them to paths.
	resp, err := c.svc.Orgunits.List(c.s.Customer).Type("allIncludingParent").
		Fields("organizationUnits(orgUnitId,orgUnitPath)").Context(ctx).Do()
	if err != nil {
		return false, "", c.wrap("orgunits.list", err)
	}
	var covered []string
	for _, ou := range resp.OrganizationUnits {
		if slices.Contains(readerIDs, strings.TrimPrefix(ou.OrgUnitId, "id:")) {
			covered = append(covered, ou.OrgUnitPath)
		}
	}
	slices.Sort(covered)
	var missing []string
	for _, want := range ous {
		if !slices.ContainsFunc(covered, func(p string) bool { return under(want, p) }) {
			missing = append(missing, want)
		}
	}
	if len(covered) == 0 {
		return false, fmt.Sprintf("%s is a delegated admin for org units that no longer exist", adminEmail), nil
	}
	if len(missing) > 0 {
		verb := "is"
		if len(missing) > 1 {
			verb = "are"
		}
		return false, fmt.Sprintf("%s is a delegated admin for %s only; %s %s not covered",
			adminEmail, strings.Join(covered, ", "), strings.Join(missing, ", "), verb), nil
	}
	return true, fmt.Sprintf("%s is a delegated admin for %s", adminEmail, strings.Join(covered, ", ")), nil
}

func readsUsers(r *admin.Role) bool {
	if r.IsSuperAdminRole {
		return true
	}
	for _, p := range r.RolePrivileges {
		// USERS_ALL is USERS_RETRIEVE's parent in Google's privilege tree.
		if p.PrivilegeName == "USERS_RETRIEVE" || p.PrivilegeName == "USERS_ALL" {
			return true
		}
	}
	return false
}
