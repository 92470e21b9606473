package license

import (
	"fmt"
	"time"
)

// Op is what a Change does to one claim.
type Op uint8

// Operations on claims.
const (
	// OpUpsert adds the source's claim on the member, adding the member if
	// new, or updates the claim's attributes if they differ. An upsert that
	// changes nothing writes nothing.
	OpUpsert Op = iota + 1
	// OpRemove removes the source's claim; the member goes when no claim is left.
	OpRemove
)

func (o Op) String() string {
	switch o {
	case OpUpsert:
		return "upsert"
	case OpRemove:
		return "remove"
	}
	return "invalid"
}

// Change is one claim to write. Email must already be normalized
// (NormalizeEmail); the store rejects one that is not.
type Change struct {
	Op         Op                `json:"op"`
	Email      string            `json:"email"`
	Source     Source            `json:"source"`
	Name       string            `json:"name,omitempty"`
	Role       Role              `json:"role,omitempty"`
	OrgUnit    string            `json:"org_unit,omitempty"`
	ExternalID string            `json:"external_id,omitempty"`
	Attrs      map[string]string `json:"attrs,omitempty"`
	// Leaving marks the upserted claim as leaving until this time (grace
	// period); zero on an upsert of a leaving claim restores it.
	Leaving        time.Time `json:"leaving,omitzero"`
	LeavingRevokes bool      `json:"leaving_revokes,omitempty"`
}

// ApplyOptions says who is writing and how.
type ApplyOptions struct {
	// Actor is who made the change, recorded in the audit events: an admin's
	// email, "cli", or the deployment's source name.
	Actor string
	// Now stamps claims and events; zero means time.Now().
	Now time.Time
	// BatchSize bounds how many changes go in one transaction; zero means
	// the backend's default. Each batch is atomic; a crash between batches
	// leaves earlier batches applied and the rest not, and re-applying the
	// same changes converges.
	BatchSize int
	// Atomic puts the whole change set in one transaction, failing it whole
	// on any error (CSV imports: all or nothing). Ignores BatchSize.
	Atomic bool
	// AllOrNothingSeats rejects the whole set with ErrSeatLimit when the new
	// members do not all fit, instead of adding what fits. Used by CSV
	// imports and admin adds, where a partial result would surprise.
	AllOrNothingSeats bool
}

// Overflow is a claim that could not be added, and why.
type Overflow struct {
	Email  string `json:"email"`
	Source Source `json:"source"`
	Role   Role   `json:"role"`
	Reason string `json:"reason"`
}

// ApplyResult counts what Apply did.
type ApplyResult struct {
	MembersAdded   int        `json:"members_added"`   // new members
	ClaimsAdded    int        `json:"claims_added"`    // claims added to existing members
	ClaimsUpdated  int        `json:"claims_updated"`  // claims whose attributes changed
	ClaimsRemoved  int        `json:"claims_removed"`  // claims removed, member kept or not
	MembersRemoved int        `json:"members_removed"` // members whose last claim went
	ClaimsLeaving  int        `json:"claims_leaving"`  // claims marked leaving (grace period); also in ClaimsUpdated
	ClaimsRestored int        `json:"claims_restored"` // leaving claims claimed again; also in ClaimsUpdated
	Unchanged      int        `json:"unchanged"`       // upserts equal to what was stored, removes of absent claims
	Overflow       []Overflow `json:"overflow,omitempty"`
}

// Changed reports whether anything was written.
func (r ApplyResult) Changed() bool {
	return r.MembersAdded+r.ClaimsAdded+r.ClaimsUpdated+r.ClaimsRemoved > 0
}

// Add folds another result into r.
func (r *ApplyResult) Add(o ApplyResult) {
	r.MembersAdded += o.MembersAdded
	r.ClaimsAdded += o.ClaimsAdded
	r.ClaimsUpdated += o.ClaimsUpdated
	r.ClaimsRemoved += o.ClaimsRemoved
	r.MembersRemoved += o.MembersRemoved
	r.ClaimsLeaving += o.ClaimsLeaving
	r.ClaimsRestored += o.ClaimsRestored
	r.Unchanged += o.Unchanged
	r.Overflow = append(r.Overflow, o.Overflow...)
}

// Overflow reasons.
const (
	ReasonNoSeats = "no free seats"
	ReasonExpired = "license expired"
)

// Validate refuses a change no backend may store: an unknown op, an email
// that is not normalized (NormalizeEmail's form), an invalid source or
// role. Every Store's Apply checks each change with it before writing.
func (c *Change) Validate() error {
	if c.Op != OpUpsert && c.Op != OpRemove {
		return &FieldError{Field: "op", Value: c.Op.String(), Reason: "must be upsert or remove"}
	}
	if n, err := NormalizeEmail(c.Email); err != nil {
		return err
	} else if n != c.Email {
		return &FieldError{Field: "email", Value: c.Email, Reason: fmt.Sprintf("is not normalized (want %q)", n)}
	}
	if err := c.Source.Validate(); err != nil {
		return err
	}
	if c.Role != "" && !c.Role.Valid() {
		return &FieldError{Field: "role", Value: string(c.Role), Reason: "must be student, teacher or other"}
	}
	return nil
}
