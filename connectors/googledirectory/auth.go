package googledirectory

// Read-only scopes: users and org units to sync and validate, role
// management for the permission check. Nothing else is ever requested.
const (
	scopeUsers    = "https://www.googleapis.com/auth/admin.directory.user.readonly"
	scopeOrgUnits = "https://www.googleapis.com/auth/admin.directory.orgunit.readonly"
	scopeRoles    = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly"
)

// Scopes returns the OAuth scopes the connector asks for, which a district
// admin grants the service account's client id under domain-wide delegation.
func Scopes() []string { return []string{scopeUsers, scopeOrgUnits, scopeRoles} }
