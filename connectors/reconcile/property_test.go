package reconcile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// randomRoster is a source's view of a school that changes between syncs.
type randomRoster struct {
	rng    *rand.Rand
	people map[int]connectors.Person // by universe index
}

const universe = 160

func (r *randomRoster) person(i int) connectors.Person {
	roles := []license.Role{"", license.RoleStudent, license.RoleStudent, license.RoleTeacher, license.RoleOther}
	return connectors.Person{
		ExternalID: fmt.Sprintf("x%d-%d", i, r.rng.IntN(3)),
		Email:      fmt.Sprintf("u%03d@school.example.org", i),
		Name:       []string{"", "Ann", "Bob Li", "Cy"}[r.rng.IntN(4)],
		Role:       roles[r.rng.IntN(len(roles))],
		OrgUnit:    []string{"", "/A", "/B"}[r.rng.IntN(3)],
	}
}

// churn drops, adds and edits a random share of the roster.
func (r *randomRoster) churn() {
	for i := range universe {
		p, in := r.people[i]
		switch x := r.rng.IntN(100); {
		case in && x < 12:
			delete(r.people, i)
		case !in && x < 25:
			r.people[i] = r.person(i)
		case in && x < 30:
			q := r.person(i)
			p.Role, p.Name = q.Role, q.Name
			r.people[i] = p
		}
	}
}

// pages renders the roster as a connector would: shuffled, with some people
// twice (several courses), emails in odd case, and some broken rows.
func (r *randomRoster) pages() *pagedSource {
	var out []connectors.Person
	for _, p := range r.people {
		if r.rng.IntN(4) == 0 {
			p.Email = "  " + strings.ToUpper(p.Email)
		}
		out = append(out, p)
		if r.rng.IntN(6) == 0 {
			dup := p
			dup.Role = license.RoleStudent
			dup.Name = ""
			out = append(out, dup)
		}
	}
	for range r.rng.IntN(3) {
		out = append(out, connectors.Person{ExternalID: "broken", Email: "no email here"})
	}
	r.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return paged(out, 1+r.rng.IntN(40))
}

// TestRandomSyncs runs rounds of random churn against a store that other
// sources also write, and checks after every sync that the deployment's
// claims are exactly the source (less overflow), nothing else moved, seats
// hold, and a second plan is empty.
func TestRandomSyncs(t *testing.T) {
	for seed := range 8 {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
			s := openStore(t)
			seats := 50 + rng.IntN(100)
			createLicense(t, s, "lic", seats, time.Time{})
			d := deployment("lic", "hs")
			d.DeletionLimit = connectors.DeletionLimit{Percent: float64(5 + rng.IntN(30)), Min: rng.IntN(15)}
			other := deployment("lic", "ms")
			var manual []string
			for range 12 {
				manual = append(manual, fmt.Sprintf("u%03d@school.example.org", rng.IntN(universe)))
			}
			upsert(t, s, "lic", license.SourceManual, manual...)
			hs := &randomRoster{rng: rng, people: map[int]connectors.Person{}}
			ms := &randomRoster{rng: rng, people: map[int]connectors.Person{}}

			for round := range 10 {
				hs.churn()
				if rng.IntN(3) == 0 {
					ms.churn()
					syncOnce(t, s, other, ms.pages())
				}
				src := hs.pages()
				switch rng.IntN(10) {
				case 0:
					src.pages = nil // the source returns nobody
				case 1:
					src.failOn = 1 + rng.IntN(len(src.pages)+1) // may be past the end: no failure
				}
				checkRound(t, ctx, s, d, src, round)
			}
		})
	}
}

func checkRound(t *testing.T, ctx context.Context, s license.Store, d connectors.Deployment, src *pagedSource, round int) {
	t.Helper()
	others := map[license.Source][]Person{}
	for _, o := range []license.Source{license.SourceManual, license.DeploymentSource("static", "ms")} {
		others[o] = claimsOf(t, s, "lic", o)
	}
	before := claimsOf(t, s, "lic", d.Source())

	snap, err := Collect(ctx, src, d.Selection)
	if src.failOn > 0 && src.failOn <= len(src.pages) {
		if err == nil {
			t.Fatalf("round %d: a source failing on page %d gave a snapshot", round, src.failOn)
		}
		if got := claimsOf(t, s, "lic", d.Source()); !reflect.DeepEqual(got, before) {
			t.Fatalf("round %d: a failed read changed claims", round)
		}
		return
	}
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	p, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	res, err := Apply(ctx, s, p, ApplyOptions{Now: testNow})
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	if pending := p.Pending(); pending != nil {
		if _, err := Approve(ctx, s, pending, ApplyOptions{Now: testNow}); err != nil {
			t.Fatalf("round %d: approve: %v", round, err)
		}
	}

	got := claimsOf(t, s, "lic", d.Source())
	switch {
	case len(snap.People) == 0:
		if !reflect.DeepEqual(got, before) {
			t.Fatalf("round %d: an empty source changed claims: %d → %d", round, len(before), len(got))
		}
	default:
		over := map[string]bool{}
		for _, o := range append(p.Overflow, res.Overflow...) {
			over[o.Email] = true
		}
		var want []Person
		for _, x := range snap.People {
			if !over[x.Email] {
				want = append(want, x)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: claims are not the source less overflow:\n got %v\nwant %v", round, emailsOf(got), emailsOf(want))
		}
	}
	for o, want := range others {
		if got := claimsOf(t, s, "lic", o); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: claims of %s moved", round, o)
		}
	}
	l, err := s.GetLicense(ctx, "lic")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(members(t, s, "lic")); l.Used > l.Seats || l.Used != n {
		t.Fatalf("round %d: used %d, seats %d, members %d", round, l.Used, l.Seats, n)
	}
	again, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() && p.Held && len(p.Overflow) > 0 {
		// Approving freed seats the held plan could not count on: the
		// overflow now fits, once.
		if len(again.Removes)+len(again.Updates) > 0 || len(again.Adds) > len(p.Overflow) {
			t.Fatalf("round %d: plan after approval: %+v", round, again.Counts)
		}
		if _, err := Apply(ctx, s, again, ApplyOptions{Now: testNow}); err != nil {
			t.Fatal(err)
		}
		if again, err = Build(ctx, s, d, snap, Options{Now: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	if !again.Empty() {
		t.Fatalf("round %d: second plan not empty: %+v", round, again.Counts)
	}
}
