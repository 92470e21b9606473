package reconcile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// Plan is what one sync of a deployment would change: claim adds, updates
// and removals of the deployment's own source on one license, and the
// guards that shaped it. A plan marshals to stable JSON (the dry run's
// --json, and the form a pending plan is stored in).
type Plan struct {
	Deployment   string         `json:"deployment"`
	License      string         `json:"license"`
	Source       license.Source `json:"source"`
	Created      time.Time      `json:"created"`
	SnapshotHash string         `json:"snapshot_hash,omitempty"`
	// Basis hashes the source's claims in the store as Build read them
	// (see Basis); Approve compares it with the store's to detect that the
	// store moved since the plan was made.
	Basis  string  `json:"basis"`
	Counts Counts  `json:"counts"`
	Guards []Guard `json:"guards"`
	// Held: the removals wait for approval (deletion limit, or an
	// additions-only calendar window); Apply writes the adds and updates
	// only, and Pending returns the removals.
	Held bool `json:"held"`
	// HeldUpdates: the updates wait for approval (update-storm guard);
	// Apply skips them and Pending returns them.
	HeldUpdates bool `json:"held_updates,omitempty"`
	// Mode is the deployment's sync mode the plan was made under.
	Mode string `json:"mode,omitempty"`
	// Stopped: a guard stopped the plan (empty source); the run is guarded.
	Stopped bool `json:"stopped,omitempty"`
	// Adds, Updates and Removes are in email order.
	Adds    []Person `json:"adds"`
	Updates []Update `json:"updates"`
	Removes []Person `json:"removes"`
	// Leaving are claims the source no longer makes that the deployment's
	// grace period keeps until LeavingUntil (marked, not removed);
	// Restores are leaving claims the source makes again. Both in email
	// order; both empty without a grace period in use.
	Leaving        []Person  `json:"leaving,omitempty"`
	LeavingUntil   time.Time `json:"leaving_until,omitzero"`
	LeavingRevokes bool      `json:"leaving_revokes,omitempty"`
	Restores       []Person  `json:"restores,omitempty"`
	// Overflow lists adds that are predicted not to fit (no free seats, or
	// the license expired), in the order the store fills seats: teachers,
	// then other, then students, then by email. They are not in Adds.
	Overflow []license.Overflow `json:"overflow"`
	// Skipped are people of the source that cannot be claimed (first
	// MaxSkipsRecorded); Counts.Skipped counts all of them.
	Skipped []Skip `json:"skipped"`

	// pendingBasis is the source's basis after Apply wrote this plan's
	// adds and updates; Pending hands it to the pending plan.
	pendingBasis string
	// spilled are the adds of a plan built from a spilled snapshot, which
	// stay on disk (Adds is then empty and not what the plan adds).
	spilled *addSet
	// refused are the changes the mode or a guard dropped (Refusals).
	refused []Refusal
}

// Refusal is a change a plan dropped, and which guard dropped it.
type Refusal struct {
	Person
	Op    string // "add", "update", "remove" or "leave"
	Guard string
}

// Refusals lists the changes the mode or a guard dropped from the plan, for
// the change feed. They are not part of the plan's JSON.
func (p *Plan) Refusals() []Refusal { return p.refused }

func (p *Plan) refuse(guard, op string, people []Person) {
	for _, x := range people {
		p.refused = append(p.refused, Refusal{Person: x, Op: op, Guard: guard})
	}
}

// Counts summarises a plan.
type Counts struct {
	Desired   int `json:"desired"`   // people in the snapshot
	Current   int `json:"current"`   // claims of the source in the store, as read
	Adds      int `json:"adds"`      // claims to add
	Updates   int `json:"updates"`   // claims whose attributes change
	Removes   int `json:"removes"`   // claims to remove (held or not)
	Overflow  int `json:"overflow"`  // adds predicted not to fit
	Unchanged int `json:"unchanged"` // claims already as desired
	Skipped   int `json:"skipped"`   // people without a usable email or role
	// Refused counts changes the mode or a guard dropped from the plan
	// (not held: they are not applied later).
	Refused int `json:"refused,omitempty"`
	// Leaving counts claims the plan marks leaving; StillLeaving those
	// already leaving whose date has not come; Restores leaving claims
	// claimed again.
	Leaving      int `json:"leaving,omitempty"`
	StillLeaving int `json:"still_leaving,omitempty"`
	Restores     int `json:"restores,omitempty"`
}

// Update is a claim whose attributes change: Person is what it becomes,
// Was what the store held.
type Update struct {
	Person
	Was Person `json:"was"`
}

// Guard is a safety rule that changed a plan, and why, in words an admin
// reads in a dry run.
type Guard struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Guard names.
const (
	// GuardDeletionLimit: more removals than Deployment.DeletionLimit
	// allows; the removals are held for approval.
	GuardDeletionLimit = "deletion_limit"
	// GuardEmptySource: the source returned nobody while the deployment
	// has claims; nothing is removed.
	GuardEmptySource = "empty_source"
	// GuardSeatLimit: some adds do not fit the free seats; they are
	// listed as overflow.
	GuardSeatLimit = "seat_limit"
	// GuardExpired: the license has expired; nothing is added.
	GuardExpired = "expired_license"
	// GuardUpdateStorm: more updates than Deployment.MaxUpdatePercent of
	// the claims; the updates are held for approval.
	GuardUpdateStorm = "update_storm"
	// GuardCalendar: an additions-only calendar window; the removals are
	// held for approval.
	GuardCalendar = "calendar"
	// GuardMode: the deployment's mode (add-only, remove-only) dropped
	// changes; they are refused, not held.
	GuardMode = "mode"
)

// Options tune Build.
type Options struct {
	// Now is the plan's time, also used to judge expiry; zero: time.Now().
	Now time.Time
	// Retire plans the removal of every claim of the deployment (undeploy):
	// the snapshot is empty on purpose, so the empty-source guard does not
	// apply. The deletion limit still does.
	Retire bool
	// HoldRemovals holds every removal for approval (an additions-only
	// calendar window); HoldReason says why, for the plan's guard.
	HoldRemovals bool
	HoldReason   string
	// Baseline, when above zero, is the claim count the deletion limit is
	// measured against instead of the current one: the first run after a
	// calendar window compares with the last good run before it.
	Baseline int
}

// ModeRetire is the mode of an undeploy's plan: every claim goes.
const ModeRetire = "retire"

// Empty reports whether the plan changes nothing (overflow aside).
func (p *Plan) Empty() bool {
	return p.addCount()+len(p.Updates)+len(p.Removes)+len(p.Leaving)+len(p.Restores) == 0
}

// memberLookupMax is how many adds Build checks one by one (Store.Member)
// to predict seat use; above it, one pass over the members is cheaper.
const memberLookupMax = 1000

// Build plans one sync of deployment d from snap against store s.
//
// It merge-joins the snapshot (sorted by email) with the claims of
// d.Source() (read in email order) and evaluates the guards. Nothing
// outside d's source appears in the plan. Build only reads the store.
//
// The deletion limit is d.DeletionLimit as given: its zero value allows no
// removal without approval (config fills DefaultDeletionLimit). The plan
// may share memory with snap (Adds), so snap must not change afterwards.
func Build(ctx context.Context, s license.Store, d connectors.Deployment, snap *Snapshot, opts Options) (*Plan, error) {
	if snap == nil {
		return nil, fmt.Errorf("plan deployment %s: no snapshot (the source was not read)", d.Name)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	src := d.Source()
	if err := src.Validate(); err != nil {
		return nil, fmt.Errorf("plan deployment %s: %w", d.Name, err)
	}
	lic, err := s.GetLicense(ctx, d.License)
	if err != nil {
		return nil, fmt.Errorf("plan deployment %s: license %s: %w", d.Name, d.License, err)
	}
	p := &Plan{
		Deployment:   d.Name,
		License:      lic.ID,
		Source:       src,
		Created:      now.UTC(),
		SnapshotHash: snap.Hash,
		Skipped:      snap.Skipped,
	}
	if d.GracePeriod > 0 {
		p.LeavingUntil = now.Add(d.GracePeriod).UTC()
		p.LeavingRevokes = d.GraceRevokes
	}
	freed, err := p.merge(ctx, s, snap, now, d.GracePeriod > 0)
	if err != nil {
		return nil, fmt.Errorf("plan deployment %s: read claims of %s on license %s: %w", d.Name, src, lic.ID, err)
	}
	current := p.Counts.Current
	p.Mode = d.SyncMode()
	if opts.Retire {
		p.Mode = ModeRetire
	}

	switch p.Mode {
	case connectors.ModeAddOnly:
		if n := len(p.Removes) + len(p.Leaving); n > 0 {
			p.Counts.Refused += n
			p.refuse(GuardMode, "remove", p.Removes)
			p.refuse(GuardMode, "leave", p.Leaving)
			p.guard(GuardMode, "the deployment is add-only: %d removals were dropped", n)
			p.Removes, p.Leaving, freed = nil, nil, 0
		}
	case connectors.ModeRemoveOnly:
		if adds, n := p.addCount(), p.addCount()+len(p.Updates); n > 0 {
			p.Counts.Refused += n
			if err := p.eachAdd(false, func(_ int, a *Person) error {
				p.refuse(GuardMode, "add", []Person{*a})
				return nil
			}); err != nil {
				return nil, fmt.Errorf("plan deployment %s: %w", d.Name, err)
			}
			for _, u := range p.Updates {
				p.refuse(GuardMode, "update", []Person{u.Person})
			}
			p.guard(GuardMode, "the deployment is remove-only: %d adds and %d updates were dropped", adds, len(p.Updates))
			p.Adds, p.spilled, p.Updates = nil, nil, nil
		}
	}

	measured := current
	if opts.Baseline > 0 {
		measured = opts.Baseline
	}
	switch bound := d.DeletionLimit.Bound(measured); {
	case snap.Len() == 0 && current > 0 && !opts.Retire:
		p.guard(GuardEmptySource, "the source returned nobody usable (%d read, %d skipped) while %s has %d claims on license %s; an empty source never removes anyone, so %d removals were dropped",
			snap.Fetched, snap.SkippedCount, src, current, lic.ID, len(p.Removes))
		p.Counts.Refused += len(p.Removes) + len(p.Leaving)
		p.refuse(GuardEmptySource, "remove", p.Removes)
		p.refuse(GuardEmptySource, "leave", p.Leaving)
		p.Removes, p.Leaving, freed, p.Stopped = nil, nil, 0, true
	case (len(p.Removes) > 0 || len(p.Leaving) > 0) && opts.HoldRemovals && !opts.Retire:
		if len(p.Removes) > 0 {
			p.Held, freed = true, 0
		}
		// A grace period starts after the window: marking people leaving
		// is the first step of removing them.
		p.Counts.Refused += len(p.Leaving)
		p.refuse(GuardCalendar, "leave", p.Leaving)
		p.guard(GuardCalendar, "%s: the %d removals are held for approval and %d leavers are not marked yet; adds and updates apply", opts.HoldReason, len(p.Removes), len(p.Leaving))
		p.Leaving = nil
	case len(p.Removes) > bound:
		p.Held, freed = true, 0
		what := fmt.Sprintf("%d current claims", current)
		if measured != current {
			what = fmt.Sprintf("%d claims at the last good run before the calendar window", measured)
		}
		p.guard(GuardDeletionLimit, "%d removals exceed the deletion limit of %d (%g%% of %s, at least %d); the removals are held for approval, adds and updates apply",
			len(p.Removes), bound, d.DeletionLimit.Percent, what, d.DeletionLimit.Min)
	}
	if bound := d.UpdateBound(current); bound >= 0 && current > 0 && len(p.Updates) > bound {
		p.HeldUpdates = true
		pct := d.MaxUpdatePercent
		if pct == 0 {
			pct = connectors.DefaultMaxUpdatePercent
		}
		p.guard(GuardUpdateStorm, "%d updates change more than %g%% of the %d current claims (bound %d); the updates are held for approval, adds and removals apply",
			len(p.Updates), pct, current, bound)
	}

	if lic.Expired(now) {
		if n := p.addCount(); n > 0 {
			if err := p.overflow(nil, license.ReasonExpired); err != nil {
				return nil, fmt.Errorf("plan deployment %s: %w", d.Name, err)
			}
			p.Adds, p.spilled = nil, nil
			p.guard(GuardExpired, "license %s expired on %s: nothing is added (%d adds listed as overflow); updates and removals still apply",
				lic.ID, lic.Expires.UTC().Format(time.DateOnly), n)
		} else {
			p.guard(GuardExpired, "license %s expired on %s: nothing would be added; updates and removals still apply",
				lic.ID, lic.Expires.UTC().Format(time.DateOnly))
		}
	} else if err := p.predictSeats(ctx, s, &lic, freed); err != nil {
		return nil, fmt.Errorf("plan deployment %s: predict seats of license %s: %w", d.Name, lic.ID, err)
	}

	p.Counts.Desired = snap.Len()
	p.Counts.Adds = p.addCount()
	p.Counts.Updates = len(p.Updates)
	p.Counts.Removes = len(p.Removes)
	p.Counts.Overflow = len(p.Overflow)
	p.Counts.Skipped = snap.SkippedCount
	p.Counts.Leaving = len(p.Leaving)
	p.Counts.Restores = len(p.Restores)
	if len(p.Leaving) == 0 {
		p.LeavingUntil, p.LeavingRevokes = time.Time{}, false
	}
	p.fillNil()
	return p, nil
}

// merge walks the snapshot and the source's claims together, filling
// Adds (or spilled), Updates, Removes, Leaving, Restores,
// Counts.Current/Unchanged and Basis. It returns how many removals would
// free a seat (the member has no other claim). With grace, a claim the
// source no longer makes is marked leaving instead of removed; a leaving
// claim goes once now reaches its date, and comes back (restored) when the
// source makes it again.
//
// The snapshot is read one person at a time, from memory or from its
// spill: the adds are noted by their place in the snapshot rather than
// copied, so a plan of a million adds holds five bytes per add.
func (p *Plan) merge(ctx context.Context, s license.Store, snap *Snapshot, now time.Time, grace bool) (freed int, err error) {
	cur, err := newCursor(snap)
	if err != nil {
		return 0, err
	}
	adds := &addSet{snap: snap}
	h := newBasisHasher()
	var prev []byte
	err = s.SourceClaims(ctx, p.License, p.Source, func(email string, c *license.Claim, sole bool) error {
		// The merge is only right over sorted input; a backend that breaks
		// the order must not turn into wrong removals.
		if p.Counts.Current > 0 && email <= string(prev) {
			return fmt.Errorf("store listed claims out of email order: %s after %s", email, prev)
		}
		prev = append(prev[:0], email...)
		p.Counts.Current++
		h.claim(email, c)

		for cur.p != nil && cur.p.Email < email {
			adds.add(cur.at, cur.p.Role)
			if err := cur.next(); err != nil {
				return err
			}
		}
		if cur.p != nil && cur.p.Email == email {
			switch {
			case !c.Leaving.IsZero():
				p.Restores = append(p.Restores, cur.keep())
			case cur.p.sameAttributes(c):
				p.Counts.Unchanged++
			default:
				p.Updates = append(p.Updates, Update{Person: cur.keep(), Was: claimPerson(email, c)})
			}
			return cur.next()
		}
		switch {
		case c.Leaving.IsZero() && grace:
			p.Leaving = append(p.Leaving, claimPerson(email, c))
			return nil
		case !c.Leaving.IsZero() && now.Before(c.Leaving):
			p.Counts.StillLeaving++
			return nil
		}
		p.Removes = append(p.Removes, claimPerson(email, c))
		if sole {
			freed++
		}
		return nil
	})
	basis := h.sum()
	if err != nil {
		return 0, err
	}
	for cur.p != nil {
		adds.add(cur.at, cur.p.Role)
		if err := cur.next(); err != nil {
			return 0, err
		}
	}
	p.Basis = basis
	if snap.Spilled() {
		adds.kept = len(adds.at)
		p.spilled = adds
	} else {
		p.Adds = adds.inMemory()
	}
	return freed, nil
}

// Basis hashes the claims source holds on a license, in email order, the
// way Build does. Equal bases mean the store holds the same claims with the
// same attributes.
func Basis(ctx context.Context, s license.Store, licenseID string, source license.Source) (string, error) {
	h := newBasisHasher()
	err := s.SourceClaims(ctx, licenseID, source, func(email string, c *license.Claim, _ bool) error {
		h.claim(email, c)
		return nil
	})
	basis := h.sum()
	if err != nil {
		return "", fmt.Errorf("read claims of %s on license %s: %w", source, licenseID, err)
	}
	return basis, nil
}

// claimPerson copies what a claim says into a Person. The strings are
// cloned: a backend may hand out views of its own buffers that are only
// valid during the SourceClaims callback.
func claimPerson(email string, c *license.Claim) Person {
	p := Person{
		Email:      strings.Clone(email),
		Name:       strings.Clone(c.Name),
		Role:       canonicalRole(c.Role),
		OrgUnit:    strings.Clone(c.OrgUnit),
		ExternalID: strings.Clone(c.ExternalID),
	}
	if len(c.Attrs) > 0 {
		p.Attrs = make(map[string]string, len(c.Attrs))
		for k, v := range c.Attrs {
			p.Attrs[strings.Clone(k)] = strings.Clone(v)
		}
	}
	return p
}

func canonicalRole(r license.Role) license.Role {
	for _, c := range license.Roles {
		if r == c {
			return c
		}
	}
	return license.Role(strings.Clone(string(r)))
}

func (p *Plan) guard(name, format string, args ...any) {
	p.Guards = append(p.Guards, Guard{Name: name, Reason: fmt.Sprintf(format, args...)})
}

// fillNil makes empty lists marshal as [] rather than null, so the JSON
// form of a plan has one shape.
func (p *Plan) fillNil() {
	if p.Guards == nil {
		p.Guards = []Guard{}
	}
	if p.Adds == nil {
		p.Adds = []Person{}
	}
	if p.Updates == nil {
		p.Updates = []Update{}
	}
	if p.Removes == nil {
		p.Removes = []Person{}
	}
	if p.Overflow == nil {
		p.Overflow = []license.Overflow{}
	}
	if p.Skipped == nil {
		p.Skipped = []Skip{}
	}
}
