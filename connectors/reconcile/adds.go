package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/rollcall-sync/rollcall/license"
)

// addSet is a plan's adds noted by their place in the snapshot (in email
// order) instead of copied out of it. A plan built from a spilled snapshot
// keeps its adds this way until Apply reads them back, so its size does
// not grow with the adds.
type addSet struct {
	snap *Snapshot
	at   []int32 // the adds' ordinals in the snapshot, ascending
	rank []uint8 // each add's role rank (license.Role.Rank)
	drop []bool  // adds moved to overflow; nil when none
	kept int     // adds not dropped
}

func (a *addSet) add(at int32, r license.Role) {
	a.at = append(a.at, at)
	a.rank = append(a.rank, uint8(r.Rank()))
}

func (a *addSet) dropped(k int) bool { return a.drop != nil && a.drop[k] }

// inMemory copies the adds out of an in-memory snapshot. When they are one
// stretch of it, as in a first sync, the plan shares the snapshot's array
// instead: a million adds then cost no second copy.
func (a *addSet) inMemory() []Person {
	n := len(a.at)
	if n == 0 {
		return nil
	}
	people := a.snap.People
	if first := int(a.at[0]); int(a.at[n-1])-first == n-1 {
		return people[first : first+n : first+n]
	}
	out := make([]Person, n)
	for i, k := range a.at {
		out[i] = people[k]
	}
	return out
}

// addCount is the number of people the plan adds.
func (p *Plan) addCount() int {
	if p.spilled != nil {
		return p.spilled.kept
	}
	return len(p.Adds)
}

// addRanks is the role rank of every add, by add index.
func (p *Plan) addRanks() []uint8 {
	if p.spilled != nil {
		return p.spilled.rank
	}
	r := make([]uint8, len(p.Adds))
	for i := range p.Adds {
		r[i] = uint8(p.Adds[i].Role.Rank())
	}
	return r
}

// eachAdd calls fn with the plan's adds in email order, with their index
// (the same index addRanks and existing use). a is fn's own to keep, but
// with view set it is valid only during the call.
func (p *Plan) eachAdd(view bool, fn func(k int, a *Person) error) error {
	if p.spilled == nil {
		for k := range p.Adds {
			if err := fn(k, &p.Adds[k]); err != nil {
				return err
			}
		}
		return nil
	}
	a := p.spilled
	m, err := a.snap.stream()
	if err != nil {
		return err
	}
	ord := int32(0)
	for k, at := range a.at {
		var q *Person
		for ; ord <= at; ord++ {
			if q, err = m.next(); q == nil {
				return errShort(err)
			}
		}
		if a.dropped(k) {
			continue
		}
		if !view {
			c := clonePerson(q)
			q = &c
		}
		if err := fn(k, q); err != nil {
			return err
		}
	}
	return nil
}

// errShort: a spilled snapshot ended before a record its plan noted.
func errShort(err error) error {
	if err != nil {
		return err
	}
	return errors.New("read the spilled snapshot: it ends before the plan's adds do")
}

// eachAddInSeatOrder calls fn with the adds want accepts in the order the
// store fills seats: teachers, then other, then students, each in email
// order (see seatOrder). A spilled plan reads its snapshot once per rank
// that has such adds.
func (p *Plan) eachAddInSeatOrder(want func(k int) bool, fn func(k int, a *Person) error) error {
	if p.spilled == nil {
		for _, k := range seatOrder(p.addRanks(), nil) {
			if want(int(k)) {
				if err := fn(int(k), &p.Adds[k]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	ranks := p.spilled.rank
	for rank := 3; rank >= 0; rank-- {
		any := false
		for k := range ranks {
			if int(ranks[k]) == rank && want(k) {
				any = true
				break
			}
		}
		if !any {
			continue
		}
		if err := p.eachAdd(false, func(k int, a *Person) error {
			if int(ranks[k]) != rank || !want(k) {
				return nil
			}
			return fn(k, a)
		}); err != nil {
			return err
		}
	}
	return nil
}

// seatOrder lists the indexes of the adds that need a seat (existing[i]
// false, or existing nil) in the order the store fills seats: teachers,
// then other, then students, each by email (adds are in email order). A
// role the store would reject goes last rather than nowhere.
func seatOrder(ranks []uint8, existing []bool) []int32 {
	order := make([]int32, 0, len(ranks))
	for rank := 3; rank >= 0; rank-- {
		for i := range ranks {
			if int(ranks[i]) == rank && (existing == nil || !existing[i]) {
				order = append(order, int32(i))
			}
		}
	}
	return order
}

// predictSeats moves the adds that will not fit the license's free seats
// (plus those freed by this plan's removals) into Overflow, in the store's
// order. Adds for people already on the license through another source
// need no seat.
func (p *Plan) predictSeats(ctx context.Context, s license.Store, lic *license.License, freed int) error {
	free := lic.Free() + freed
	n := p.addCount()
	if n <= free {
		return nil
	}
	existing, err := p.existingMembers(ctx, s, lic.ID)
	if err != nil {
		return err
	}
	order := seatOrder(p.addRanks(), existing)
	if len(order) <= free {
		return nil
	}
	over := order[free:]
	drop := make([]bool, n)
	for _, k := range over {
		drop[k] = true
	}
	if err := p.overflow(drop, license.ReasonNoSeats); err != nil {
		return err
	}
	if p.spilled != nil {
		p.spilled.drop, p.spilled.kept = drop, n-len(over)
	} else {
		kept := make([]Person, 0, n-len(over))
		for k := range p.Adds {
			if !drop[k] {
				kept = append(kept, p.Adds[k])
			}
		}
		p.Adds = kept
	}
	p.guard(GuardSeatLimit, "license %s has %d free seats (%d of %d used, %d freed by this plan's removals) for %d new members: %d do not fit and are listed as overflow (teachers first, then other, then students)",
		lic.ID, free, lic.Used, lic.Seats, freed, len(order), len(over))
	return nil
}

// overflow lists the adds drop marks (all of them when drop is nil) as
// overflow, in seat order.
func (p *Plan) overflow(drop []bool, reason string) error {
	return p.eachAddInSeatOrder(func(k int) bool { return drop == nil || drop[k] }, func(_ int, a *Person) error {
		p.Overflow = append(p.Overflow, license.Overflow{Email: a.Email, Source: p.Source, Role: a.Role, Reason: reason})
		return nil
	})
}

// existingMembers marks the adds whose person is already a member of the
// license through another source: one lookup each for a few adds, else one
// pass over the members in email order beside the adds.
func (p *Plan) existingMembers(ctx context.Context, s license.Store, licenseID string) ([]bool, error) {
	existing := make([]bool, p.addCount())
	if len(existing) <= memberLookupMax {
		err := p.eachAdd(true, func(k int, a *Person) error {
			_, err := s.Member(ctx, licenseID, a.Email)
			switch {
			case err == nil:
				existing[k] = true
			case !errors.Is(err, license.ErrNotFound):
				return fmt.Errorf("member %s: %w", a.Email, err)
			}
			return nil
		})
		return existing, err
	}
	opts := license.ListOptions{Sort: license.SortEmail, Limit: 1000}
	var page []license.Member
	i, done := 0, false
	var last string
	// next moves to the next member; false once there are no more.
	next := func() (bool, error) {
		i++
		for i >= len(page) {
			if done {
				return false, nil
			}
			got, err := s.ListMembers(ctx, licenseID, opts)
			if err != nil {
				return false, fmt.Errorf("list members: %w", err)
			}
			page, i = got.Members, 0
			opts.Cursor = got.Next
			done = got.Next == "" || len(got.Members) == 0
		}
		if e := page[i].Email; last != "" && e <= last {
			return false, fmt.Errorf("list members: the store listed them out of email order: %s after %s", e, last)
		} else {
			last = e
		}
		return true, nil
	}
	i = -1
	more, err := next()
	if err != nil {
		return nil, err
	}
	err = p.eachAdd(true, func(k int, a *Person) error {
		for more && page[i].Email < a.Email {
			var err error
			if more, err = next(); err != nil {
				return err
			}
		}
		if more && page[i].Email == a.Email {
			existing[k] = true
		}
		return nil
	})
	return existing, err
}

// seatIter reads a spilled plan's adds back in seat order: one pass over
// the snapshot per rank that has adds.
type seatIter struct {
	a     *addSet
	ranks []uint8 // ranks still to read, strongest first
	rank  uint8
	m     *foldMerge // nil between passes
	k     int        // next add index to consider in this pass
	ord   int32      // ordinal of the person m yields next
}

func newSeatIter(a *addSet) *seatIter {
	it := &seatIter{a: a}
	var seen [256]bool
	for k, r := range a.rank {
		if !a.dropped(k) {
			seen[r] = true
		}
	}
	for r := 255; r >= 0; r-- {
		if seen[r] {
			it.ranks = append(it.ranks, uint8(r))
		}
	}
	return it
}

func (it *seatIter) next() (*Person, error) {
	a := it.a
	for {
		if it.m == nil {
			if len(it.ranks) == 0 {
				return nil, errors.New("the plan has fewer adds than it counts")
			}
			m, err := a.snap.stream()
			if err != nil {
				return nil, err
			}
			it.m, it.rank, it.ranks, it.k, it.ord = m, it.ranks[0], it.ranks[1:], 0, 0
		}
		for it.k < len(a.at) && (a.rank[it.k] != it.rank || a.dropped(it.k)) {
			it.k++
		}
		if it.k == len(a.at) {
			it.m = nil
			continue
		}
		target := a.at[it.k]
		it.k++
		var q *Person
		for ; it.ord <= target; it.ord++ {
			var err error
			if q, err = it.m.next(); q == nil {
				return nil, errShort(err)
			}
		}
		p := clonePerson(q)
		return &p, nil
	}
}
