package license

import "time"

// Action is what an audit Event records.
type Action string

// Audit actions.
const (
	ActionLicenseCreated Action = "license.created"
	ActionLicenseUpdated Action = "license.updated"
	ActionLicenseDeleted Action = "license.deleted"
	ActionKeyRotated     Action = "license.key_rotated"
	ActionMemberAdded    Action = "member.added"   // first claim: the member takes a seat
	ActionMemberRemoved  Action = "member.removed" // last claim went: the seat is free
	ActionClaimAdded     Action = "claim.added"    // another source claims an existing member
	ActionClaimUpdated   Action = "claim.updated"
	ActionClaimRemoved   Action = "claim.removed"
	ActionOverflow       Action = "member.overflow" // an add refused for want of seats or validity
	ActionClaimLeaving   Action = "claim.leaving"   // the source let go of the claim; it stays for a grace period
	ActionClaimRestored  Action = "claim.restored"  // a leaving claim was claimed again
)

// Event is one entry of a license's audit trail. Seq increases per license.
type Event struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	License string    `json:"license"`
	Email   string    `json:"email,omitempty"`
	Action  Action    `json:"action"`
	Source  Source    `json:"source,omitempty"`
	Actor   string    `json:"actor,omitempty"`
	Detail  string    `json:"detail,omitempty"` // e.g. "role student → teacher"; never a secret
}

// EventQuery selects audit events of one license.
type EventQuery struct {
	Email string // only this member's events when set
	After uint64 // events with Seq > After
	Limit int    // zero: all
}

// Counts sums the changes a set of audit events records: members and
// claims added, claims updated and removed, and refused adds (overflow).
type Counts struct {
	Added    int `json:"added"`
	Updated  int `json:"updated"`
	Removed  int `json:"removed"`
	Overflow int `json:"overflow"`
	Leaving  int `json:"leaving"`
	Restored int `json:"restored"`
}

// CountEvents counts the events keep selects.
func CountEvents(evs []Event, keep func(*Event) bool) Counts {
	var c Counts
	for i := range evs {
		ev := &evs[i]
		if !keep(ev) {
			continue
		}
		switch ev.Action {
		case ActionMemberAdded, ActionClaimAdded:
			c.Added++
		case ActionClaimUpdated:
			c.Updated++
		case ActionMemberRemoved, ActionClaimRemoved:
			c.Removed++
		case ActionOverflow:
			c.Overflow++
		case ActionClaimLeaving:
			c.Leaving++
		case ActionClaimRestored:
			c.Restored++
		}
	}
	return c
}
