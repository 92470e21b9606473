package license

import "context"

// The sync side's optional abilities. A Syncs that has them implements
// these beside Syncs; the admin API and the dashboard ask with a type
// assertion and answer "not configured" (or refuse) when it does not.

// OrgUnitReader lists a directory's org units as one person may see
// them: only the units the directory says that person may read, the rule
// the deploy-to-org-unit check applies.
type OrgUnitReader interface {
	OrgUnitsFor(ctx context.Context, connector, email string) ([]OrgUnitView, error)
}

// LMSLinker links a license to its primary LMS from the API or the
// dashboard, as "rollcall lms link" does.
type LMSLinker interface {
	// LMSConnectors lists the configured connectors a license may be
	// linked to (LMS and rostering sources, not directories).
	LMSConnectors(ctx context.Context) ([]ConnectorView, error)
	// LinkLMS records the link, tests it with one call, creates the
	// deployment and runs its first sync. The caller has checked that
	// Actor manages the license.
	LinkLMS(ctx context.Context, req LinkLMSRequest) (DeploymentView, RunView, error)
}

// ConnectorView is one configured connector.
type ConnectorView struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// LinkLMSRequest asks to link a license to an LMS connector.
type LinkLMSRequest struct {
	License   string   `json:"license"`
	Connector string   `json:"connector"`
	Units     []string `json:"units"` // e.g. account:self; empty: the connector's default
	Actor     string   `json:"-"`
}
