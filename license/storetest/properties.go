package storetest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// model is the suite's own statement of the membership rules: email →
// source → claim attributes.
type model struct {
	seats   int
	members map[string]map[license.Source]license.Change
}

// apply runs changes through the rules of license.Store and returns the
// emails that overflowed.
func (m *model) apply(changes []license.Change) []string {
	last := map[[2]string]license.Change{}
	for _, c := range changes {
		last[[2]string{c.Email, string(c.Source)}] = c
	}
	var removes, updates, adds []license.Change
	for _, c := range last {
		switch {
		case c.Op == license.OpRemove:
			removes = append(removes, c)
		case m.members[c.Email] != nil:
			updates = append(updates, c)
		default:
			adds = append(adds, c)
		}
	}
	for _, c := range removes {
		if claims := m.members[c.Email]; claims != nil {
			delete(claims, c.Source)
			if len(claims) == 0 {
				delete(m.members, c.Email)
			}
		}
	}
	rank := func(c license.Change) int {
		if c.Role == "" {
			return license.RoleStudent.Rank()
		}
		return c.Role.Rank()
	}
	slices.SortFunc(updates, func(a, b license.Change) int {
		return strings.Compare(a.Email+string(a.Source), b.Email+string(b.Source))
	})
	slices.SortFunc(adds, func(a, b license.Change) int {
		return cmp.Or(rank(b)-rank(a), strings.Compare(a.Email, b.Email), strings.Compare(string(a.Source), string(b.Source)))
	})
	var over []string
	for _, c := range append(updates, adds...) {
		claims := m.members[c.Email]
		if claims == nil {
			if len(m.members) >= m.seats {
				over = append(over, c.Email)
				continue
			}
			claims = map[license.Source]license.Change{}
			m.members[c.Email] = claims
		}
		claims[c.Source] = c
	}
	slices.Sort(over)
	return over
}

func (h *harness) testProperties(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(12) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			s := h.store(t)
			m := &model{seats: 5 + rng.IntN(30), members: map[string]map[license.Source]license.Change{}}
			createLicense(t, s, "prop", m.seats)
			sources := []license.Source{license.SourceManual, license.CSVSource("a"), dir, license.DeploymentSource("canvas", "x")}
			roles := []license.Role{"", license.RoleStudent, license.RoleTeacher, license.RoleOther}
			for round := range 12 {
				src := sources[rng.IntN(len(sources))]
				var changes []license.Change
				for range rng.IntN(40) {
					c := license.Change{Op: license.OpUpsert, Email: fmt.Sprintf("p%02d@x.org", rng.IntN(45)), Source: src,
						Role: roles[rng.IntN(len(roles))], Name: []string{"", "Al", "Bea", "cy"}[rng.IntN(4)]}
					if rng.IntN(3) == 0 {
						c = rm(c.Email, src)
					}
					if rng.IntN(8) == 0 {
						c.Attrs = map[string]string{"k": fmt.Sprint(rng.IntN(2))}
					}
					changes = append(changes, c)
				}
				others := map[license.Source][]license.Member{}
				for _, o := range sources {
					if o != src {
						others[o] = claimsOf(t, s, "prop", o)
					}
				}
				opts := license.ApplyOptions{Now: at(round), BatchSize: rng.IntN(5), Atomic: rng.IntN(4) == 0}
				r1, err := s.Apply(ctx, "prop", changes, opts)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				wantOver := m.apply(changes)
				var gotOver []string
				for _, o := range r1.Overflow {
					gotOver = append(gotOver, o.Email)
				}
				slices.Sort(gotOver)
				if !slices.Equal(gotOver, wantOver) {
					t.Fatalf("round %d: overflow %v, want %v", round, gotOver, wantOver)
				}
				once := allMembers(t, s, "prop")
				checkModel(t, round, m, once)
				if l := getLicense(t, s, "prop"); l.Used != len(once) || l.Used > l.Seats {
					t.Fatalf("round %d: Used %d, %d members, %d seats", round, l.Used, len(once), l.Seats)
				}
				// Another source's claims are untouched.
				for o, before := range others {
					sameMembersClaim(t, round, o, claimsOf(t, s, "prop", o), before)
				}
				// Applying the same set again changes nothing at all.
				nEvents := len(events(t, s, "prop", license.EventQuery{}))
				opts.Now = at(round + 100)
				r2, err := s.Apply(ctx, "prop", changes, opts)
				if err != nil {
					t.Fatalf("round %d again: %v", round, err)
				}
				if r2.Changed() {
					t.Fatalf("round %d: applying twice changed more: %+v", round, r2)
				}
				sameMembers(t, fmt.Sprintf("round %d applied twice", round), allMembers(t, s, "prop"), once)
				if n := len(events(t, s, "prop", license.EventQuery{})); n != nEvents {
					t.Fatalf("round %d: applying twice wrote %d events", round, n-nEvents)
				}
			}
		})
	}
}

func claimsOf(t *testing.T, s license.Store, id string, src license.Source) []license.Member {
	t.Helper()
	var out []license.Member
	if err := s.Claims(context.Background(), id, src, func(m *license.Member) error {
		out = append(out, *m)
		return nil
	}); err != nil {
		t.Fatalf("Claims(%s): %v", src, err)
	}
	return out
}

func sameMembersClaim(t *testing.T, round int, src license.Source, got, want []license.Member) {
	t.Helper()
	if !slices.Equal(emails(got), emails(want)) {
		t.Fatalf("round %d: another source's claims moved: %s claims %v, had %v", round, src, emails(got), emails(want))
	}
	for i := range got {
		a, b := got[i].Claim(src), want[i].Claim(src)
		if !a.SameAttributes(b) || !a.FirstSeen.Equal(b.FirstSeen) || !a.LastSeen.Equal(b.LastSeen) {
			t.Fatalf("round %d: %s's claim on %s changed: %+v → %+v", round, src, got[i].Email, *b, *a)
		}
	}
}

func checkModel(t *testing.T, round int, m *model, got []license.Member) {
	t.Helper()
	want := slices.Sorted(maps.Keys(m.members))
	if !slices.Equal(emails(got), want) {
		t.Fatalf("round %d: members %v, model says %v", round, emails(got), want)
	}
	for _, mem := range got {
		claims := m.members[mem.Email]
		if !slices.Equal(mem.Sources(), slices.Sorted(maps.Keys(claims))) {
			t.Fatalf("round %d: %s claimed by %v, model says %v", round, mem.Email, mem.Sources(), slices.Sorted(maps.Keys(claims)))
		}
		for _, c := range mem.Claims {
			mc := claims[c.Source]
			w := license.Claim{Name: mc.Name, Role: mc.Role, OrgUnit: mc.OrgUnit, ExternalID: mc.ExternalID, Attrs: mc.Attrs}
			if !c.SameAttributes(&w) {
				t.Fatalf("round %d: %s claim %s = %+v, model says %+v", round, mem.Email, c.Source, c, w)
			}
		}
	}
}
