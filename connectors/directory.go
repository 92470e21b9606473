package connectors

import "context"

// OrgUnit is one organizational unit of a directory.
type OrgUnit struct {
	Path   string `json:"path"`             // "/Students/Lincoln High"
	Name   string `json:"name"`             // "Lincoln High"; empty for the root
	Parent string `json:"parent,omitempty"` // "/Students"; empty for the root
}

// OrgUnitDirectory is implemented by connectors whose source is a directory
// of org units (Google Admin Directory). The OU-deploy flow needs both:
// the list for the picker, and the check that the person deploying is an
// admin of the directory who may read those org units.
type OrgUnitDirectory interface {
	OrgUnits(ctx context.Context) ([]OrgUnit, error)
	// CanReadOrgUnits reports whether adminEmail may read the users of every
	// one of ous; when not, the string says why in a sentence.
	CanReadOrgUnits(ctx context.Context, adminEmail string, ous []string) (bool, string, error)
}
