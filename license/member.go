package license

import (
	"slices"
	"strings"
	"time"
)

// Claim is one source's reason for a member to be on a license, with what
// that source reported about them.
//
// LastSeen moves only when the claim is written (added or its attributes
// changed): an unchanged sync writes nothing. For a deployment's claims the
// effective "last seen" is therefore the later of LastSeen and that
// deployment's last successful run, which the sync state records.
type Claim struct {
	Source     Source            `json:"source"`
	FirstSeen  time.Time         `json:"first_seen"`
	LastSeen   time.Time         `json:"last_seen"`
	Name       string            `json:"name,omitempty"`
	Role       Role              `json:"role,omitempty"`
	OrgUnit    string            `json:"org_unit,omitempty"`
	ExternalID string            `json:"external_id,omitempty"`
	Attrs      map[string]string `json:"attrs,omitempty"`
	// Leaving is set on a claim its source no longer makes but keeps for a
	// grace period: the claim (and the member, when it is their last) goes
	// at the first sync after this time. A source claiming them again
	// clears it.
	Leaving time.Time `json:"leaving,omitzero"`
	// LeavingRevokes: while leaving, this claim grants no access (the
	// deployment's grace_keeps_access is false).
	LeavingRevokes bool `json:"leaving_revokes,omitempty"`
}

// SameAttributes reports whether two claims report the same things about a
// person, and are leaving alike (FirstSeen and LastSeen are not compared).
func (c *Claim) SameAttributes(o *Claim) bool {
	if c.Name != o.Name || c.Role != o.Role || c.OrgUnit != o.OrgUnit || c.ExternalID != o.ExternalID || len(c.Attrs) != len(o.Attrs) {
		return false
	}
	if !c.Leaving.Equal(o.Leaving) || c.LeavingRevokes != o.LeavingRevokes {
		return false
	}
	for k, v := range c.Attrs {
		if w, ok := o.Attrs[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Member is a person on a license. Name, Role and OrgUnit are derived from
// the claims by Resolve; Claims is sorted by source and never empty for a
// stored member.
type Member struct {
	Email   string    `json:"email"`
	Name    string    `json:"name,omitempty"`
	Role    Role      `json:"role"`
	OrgUnit string    `json:"org_unit,omitempty"`
	Added   time.Time `json:"added"`
	Claims  []Claim   `json:"claims"`
}

// Member statuses, as the member list filters them.
const (
	StatusActive  = "active"
	StatusLeaving = "leaving" // every claim is leaving: the member goes after LeavingOn
)

// Status is StatusLeaving when every claim of the member is leaving, else
// StatusActive.
func (m *Member) Status() string {
	if _, ok := m.LeavingOn(); ok {
		return StatusLeaving
	}
	return StatusActive
}

// LeavingOn reports whether every claim of the member is leaving, and the
// latest of their dates: the member stays until then.
func (m *Member) LeavingOn() (time.Time, bool) {
	var last time.Time
	for i := range m.Claims {
		c := &m.Claims[i]
		if c.Leaving.IsZero() {
			return time.Time{}, false
		}
		if c.Leaving.After(last) {
			last = c.Leaving
		}
	}
	return last, len(m.Claims) > 0
}

// AccessRevoked reports whether the member is leaving and every claim
// revokes access meanwhile: the member keeps the seat until the date but
// is not entitled.
func (m *Member) AccessRevoked() bool {
	if _, ok := m.LeavingOn(); !ok {
		return false
	}
	for i := range m.Claims {
		if !m.Claims[i].LeavingRevokes {
			return false
		}
	}
	return true
}

// Claim returns the member's claim from source, or nil.
func (m *Member) Claim(source Source) *Claim {
	i, ok := slices.BinarySearchFunc(m.Claims, source, func(c Claim, s Source) int { return strings.Compare(string(c.Source), string(s)) })
	if !ok {
		return nil
	}
	return &m.Claims[i]
}

// Sources lists the sources that claim the member, sorted.
func (m *Member) Sources() []Source {
	out := make([]Source, len(m.Claims))
	for i, c := range m.Claims {
		out[i] = c.Source
	}
	return out
}

// Resolve derives Name, Role, OrgUnit and Added from the claims. The role is
// the strongest any claim gives. Name and org unit come from the first claim
// that has one, in this order: manual, csv, key, domain, then deployments,
// each group by source name, so what an admin typed wins over what a sync
// reported.
func (m *Member) Resolve() {
	slices.SortFunc(m.Claims, func(a, b Claim) int { return strings.Compare(string(a.Source), string(b.Source)) })
	m.Name, m.OrgUnit, m.Role = "", "", ""
	m.Added = time.Time{}
	order := make([]int, len(m.Claims))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return sourcePriority(m.Claims[a].Source) - sourcePriority(m.Claims[b].Source) })
	for _, i := range order {
		c := &m.Claims[i]
		if m.Name == "" {
			m.Name = c.Name
		}
		if m.OrgUnit == "" {
			m.OrgUnit = c.OrgUnit
		}
		m.Role = Stronger(m.Role, c.Role)
		if m.Added.IsZero() || c.FirstSeen.Before(m.Added) {
			m.Added = c.FirstSeen
		}
	}
	if m.Role == "" {
		m.Role = RoleStudent
	}
}

func sourcePriority(s Source) int {
	switch s.Kind() {
	case "manual":
		return 0
	case "csv":
		return 1
	case "key":
		return 2
	case "domain":
		return 3
	}
	return 4
}
