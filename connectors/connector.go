package connectors

import (
	"context"
	"errors"

	"github.com/rollcall-sync/rollcall/license"
)

// Person is what a source says about one of its people. Email is as the
// source gave it; the planner normalizes it and skips (with a reason)
// people whose email is missing or invalid.
type Person struct {
	ExternalID string            // the source's stable id for the person
	Email      string            // as reported; may be empty
	Name       string            // display name
	Role       license.Role      // role after the selection's mapping; empty: the selection's default
	OrgUnit    string            // org unit, course or section where known
	Attrs      map[string]string // anything else worth keeping on the claim
}

// Selection is the part of a source one deployment takes, and how its
// people map to roles. What a unit is depends on the connector: an org unit
// path, a course or section id, an account id, a school.
type Selection struct {
	Units []string `json:"units,omitempty" yaml:"units"`
	// Roles maps a unit, or a vendor role name (e.g. "TeacherEnrollment"),
	// to a Rollcall role. The connector documents which keys it reads.
	Roles map[string]license.Role `json:"roles,omitempty" yaml:"roles"`
	// DefaultRole applies where no mapping matches; empty means student.
	DefaultRole license.Role `json:"default_role,omitempty" yaml:"default_role"`
	// Options are connector-specific switches, e.g. include_sub_org_units.
	Options map[string]string `json:"options,omitempty" yaml:"options"`
}

// Connector reads people from one source system.
//
// Fetch streams every person the selection names, a page at a time, to
// emit. It returns nil only after the whole snapshot was emitted; on any
// failure part way (a page that fails after retries, a cancelled context,
// an error from emit) it returns an error, and the caller discards what was
// emitted. The planner's safety rests on this: a partial snapshot must never
// look complete. The same person may be emitted more than once (several
// courses); the planner folds them, keeping the strongest role.
type Connector interface {
	Fetch(ctx context.Context, sel Selection, emit func(page []Person) error) error
}

// SelectionValidator is implemented by connectors that can check a
// selection against the source (an org unit that does not exist, a course
// id that is wrong) before a deployment is saved.
type SelectionValidator interface {
	ValidateSelection(ctx context.Context, sel Selection) error
}

// Checker is implemented by connectors that can test their link to the
// vendor (credentials, base URL) with one cheap call.
type Checker interface {
	Check(ctx context.Context) error
}

// ErrRateLimited marks an upstream rate limit that outlasted the retries.
var ErrRateLimited = errors.New("rate limited by the source")
