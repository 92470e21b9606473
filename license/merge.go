package license

import (
	"slices"
	"strings"
	"time"
)

// MergeClaim upserts nc on m, a member who already exists: it adds the
// claim, or updates the one of the same source (keeping its FirstSeen),
// and re-resolves m. It returns the audit action and detail, and counts
// the change in r; an upsert equal to the stored claim changes nothing and
// returns "" (counted as unchanged). Every store backend applies claims to
// existing members through it, so their audit trails read alike.
// m.Claims is replaced, never written in place, so a slice the caller
// shares stays as it was.
func MergeClaim(m *Member, nc Claim, r *ApplyResult) (Action, string) {
	c := m.Claim(nc.Source)
	if c == nil {
		m.Claims = append(slices.Clone(m.Claims), nc)
		m.Resolve()
		r.ClaimsAdded++
		return ActionClaimAdded, ""
	}
	if c.SameAttributes(&nc) {
		r.Unchanged++
		return "", ""
	}
	detail := ClaimDiff(c, &nc)
	action := ActionClaimUpdated
	switch {
	case c.Leaving.IsZero() && !nc.Leaving.IsZero():
		// One event says it all: the source let go, the claim stays until the date.
		action, detail = ActionClaimLeaving, "leaving on "+nc.Leaving.UTC().Format(time.RFC3339)
		if nc.LeavingRevokes {
			detail += ", without access meanwhile"
		}
		r.ClaimsLeaving++
	case !c.Leaving.IsZero() && nc.Leaving.IsZero():
		action, detail = ActionClaimRestored, strings.TrimPrefix(detail, "no longer leaving; ")
		r.ClaimsRestored++
	}
	nc.FirstSeen = c.FirstSeen
	m.Claims = slices.Clone(m.Claims)
	*m.Claim(nc.Source) = nc
	m.Resolve()
	r.ClaimsUpdated++
	return action, detail
}
