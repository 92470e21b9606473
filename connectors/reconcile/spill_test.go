package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/postgres"
	"github.com/rollcall-sync/rollcall/license/postgres/pgtest"
)

// spilledPeople reads a spilled snapshot back into memory.
func spilledPeople(t *testing.T, snap *Snapshot) []Person {
	t.Helper()
	if !snap.Spilled() {
		t.Fatal("the snapshot was not spilled")
	}
	c, err := newCursor(snap)
	if err != nil {
		t.Fatal(err)
	}
	var out []Person
	for c.p != nil {
		out = append(out, c.keep())
		if err := c.next(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// planView is everything a plan says, its adds read back from a spill.
func planView(t *testing.T, p *Plan) string {
	t.Helper()
	var adds []Person
	if err := p.eachAdd(false, func(_ int, a *Person) error { adds = append(adds, *a); return nil }); err != nil {
		t.Fatal(err)
	}
	q := *p
	q.Adds, q.spilled = adds, nil
	q.fillNil()
	raw, err := json.MarshalIndent(struct {
		Plan     Plan
		Refusals []Refusal
		Empty    bool
	}{q, p.Refusals(), p.Empty()}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestSpilledPlanEqualsInMemory syncs the same random rounds into two
// stores, one from snapshots held in memory and one from snapshots spilled
// to disk in runs of a few people, and requires the same snapshot, the
// same plan (adds, overflow, guards, refusals, basis) and the same store
// after every round, across modes, grace, seat shortages and expiry.
//
// The spilled side runs on bbolt and, where the test cluster is up, on
// PostgreSQL: the merge relies on both listing claims and members in the
// byte order Go compares emails in.
func TestSpilledPlanEqualsInMemory(t *testing.T) {
	for _, backend := range []string{"bolt", "postgres"} {
		t.Run(backend, func(t *testing.T) { testSpilledPlanEqualsInMemory(t, backend) })
	}
}

func testSpilledPlanEqualsInMemory(t *testing.T, backend string) {
	seeds := 12
	if backend == "postgres" {
		seeds = 4 // a database each; the bbolt seeds cover the planner
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(uint64(seed), 0x5b111))
			mem, disk := license.Store(openStore(t)), license.Store(openStore(t))
			if backend == "postgres" {
				pg, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = pg.Close() })
				disk = pg
			}
			seats := 40 + rng.IntN(120)
			var expires time.Time
			if seed%5 == 4 {
				expires = testNow.AddDate(0, 0, -1)
			}
			d := deployment("lic", "hs")
			d.DeletionLimit = connectors.DeletionLimit{Percent: float64(5 + rng.IntN(60)), Min: rng.IntN(15)}
			d.Mode = []string{"", connectors.ModeAddOnly, connectors.ModeRemoveOnly, ""}[seed%4]
			if seed%3 == 1 {
				d.GracePeriod = 72 * time.Hour
			}
			var manual []string
			for range 15 {
				manual = append(manual, fmt.Sprintf("u%03d@school.example.org", rng.IntN(universe)))
			}
			for _, s := range []license.Store{mem, disk} {
				createLicense(t, s, "lic", seats, expires)
				upsert(t, s, "lic", license.SourceManual, manual...)
			}
			hs := &randomRoster{rng: rng, people: map[int]connectors.Person{}}
			dir := t.TempDir()
			for round := range 8 {
				hs.churn()
				src := hs.pages()
				if rng.IntN(8) == 0 {
					src.pages = nil
				}
				now := testNow.Add(time.Duration(round) * 36 * time.Hour)
				a, err := Collect(ctx, src, d.Selection)
				if err != nil {
					t.Fatal(err)
				}
				b, err := CollectWith(ctx, src, d.Selection, CollectOptions{SpillDir: dir, SpillAfter: 1 + rng.IntN(9)})
				if err != nil {
					t.Fatal(err)
				}
				if b.Len() > 0 && b.Len() >= 10 && !b.Spilled() {
					t.Fatalf("round %d: %d people in runs of at most 9 were not spilled", round, b.Len())
				}
				if a.Hash != b.Hash || a.Len() != b.Len() || a.Folded != b.Folded || a.Fetched != b.Fetched || a.SkippedCount != b.SkippedCount {
					t.Fatalf("round %d: snapshots differ: memory %s %d people %d folded, disk %s %d people %d folded",
						round, a.Hash, a.Len(), a.Folded, b.Hash, b.Len(), b.Folded)
				}
				if b.Spilled() {
					if got := spilledPeople(t, b); !reflect.DeepEqual(got, a.People) {
						t.Fatalf("round %d: spilled people differ from the folded ones:\n got %v\nwant %v", round, emailsOf(got), emailsOf(a.People))
					}
				}
				opts := Options{Now: now, HoldRemovals: round == 5, HoldReason: "test window"}
				pa, err := Build(ctx, mem, d, a, opts)
				if err != nil {
					t.Fatal(err)
				}
				pb, err := Build(ctx, disk, d, b, opts)
				if err != nil {
					t.Fatal(err)
				}
				if va, vb := planView(t, pa), planView(t, pb); va != vb {
					t.Fatalf("round %d: plans differ:\nmemory %s\ndisk %s", round, va, vb)
				}
				batch := 1 + rng.IntN(20)
				ra, err := Apply(ctx, mem, pa, ApplyOptions{Now: now, BatchSize: batch})
				if err != nil {
					t.Fatal(err)
				}
				rb, err := Apply(ctx, disk, pb, ApplyOptions{Now: now, BatchSize: batch})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ra, rb) {
					t.Fatalf("round %d: apply results differ: %+v vs %+v", round, ra, rb)
				}
				if err := b.Close(); err != nil {
					t.Fatal(err)
				}
				if ca, cb := claimsOf(t, mem, "lic", d.Source()), claimsOf(t, disk, "lic", d.Source()); !reflect.DeepEqual(ca, cb) {
					t.Fatalf("round %d: stores differ: %v vs %v", round, emailsOf(ca), emailsOf(cb))
				}
				la, _ := mem.GetLicense(ctx, "lic")
				lb, _ := disk.GetLicense(ctx, "lic")
				if la.Used != lb.Used {
					t.Fatalf("round %d: used %d vs %d", round, la.Used, lb.Used)
				}
			}
		})
	}
}

// TestSpilledSeatShortage covers the seat prediction past memberLookupMax
// adds, where the members already on the license are found by one pass
// beside the adds: a spilled plan must overflow exactly the people the
// in-memory one does.
func TestSpilledSeatShortage(t *testing.T) {
	ctx := context.Background()
	var people []connectors.Person
	for i := range 2500 {
		role := license.RoleStudent
		if i%17 == 0 {
			role = license.RoleTeacher
		}
		people = append(people, connectors.Person{ExternalID: fmt.Sprint(i), Email: fmt.Sprintf("p%05d@school.example.org", (i*7919)%100000), Role: role})
	}
	var manual []string
	for i := 0; i < 2500; i += 3 {
		manual = append(manual, fmt.Sprintf("p%05d@school.example.org", (i*7919)%100000))
	}
	d := deployment("lic", "hs")
	var plans []string
	var stores []license.Store
	for _, spill := range []bool{false, true} {
		s := openStore(t)
		createLicense(t, s, "lic", 1500, time.Time{})
		upsert(t, s, "lic", license.SourceManual, manual...)
		opts := CollectOptions{}
		if spill {
			opts = CollectOptions{SpillDir: t.TempDir(), SpillAfter: 300}
		}
		snap, err := CollectWith(ctx, paged(people, 250), d.Selection, opts)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Spilled() != spill {
			t.Fatalf("spilled %v, want %v", snap.Spilled(), spill)
		}
		p, err := Build(ctx, s, d, snap, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Overflow) == 0 || p.Counts.Adds+p.Counts.Overflow != 2500 {
			t.Fatalf("spill %v: counts %+v: want a seat shortage", spill, p.Counts)
		}
		plans = append(plans, planView(t, p))
		if _, err := Apply(ctx, s, p, ApplyOptions{Now: testNow}); err != nil {
			t.Fatal(err)
		}
		snap.Close()
		stores = append(stores, s)
	}
	if plans[0] != plans[1] {
		t.Fatalf("plans differ:\n%s\n%s", plans[0], plans[1])
	}
	if a, b := members(t, stores[0], "lic"), members(t, stores[1], "lic"); len(a) != len(b) || len(a) != 1500 {
		t.Fatalf("members: %d and %d, want 1500 each", len(a), len(b))
	}
}

// TestClosedSnapshotIsNotAnEmptySource: a plan built from, or applied
// after, a closed spilled snapshot is an error, never a source of nobody
// (which would plan every claim away).
func TestClosedSnapshotIsNotAnEmptySource(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic", 100, time.Time{})
	d := deployment("lic", "hs")
	d.DeletionLimit = connectors.DeletionLimit{Percent: 100}
	syncOnce(t, s, d, paged(roster(0, 40, ""), 7))
	snap, err := CollectWith(ctx, paged(roster(0, 60, ""), 7), d.Selection, CollectOptions{SpillDir: t.TempDir(), SpillAfter: 8})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if p.Counts.Adds != 20 {
		t.Fatalf("adds %d, want 20", p.Counts.Adds)
	}
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, s, p, ApplyOptions{Now: testNow}); err == nil {
		t.Fatal("a plan applied after its snapshot was closed")
	}
	if _, err := Build(ctx, s, d, snap, Options{Now: testNow}); err == nil {
		t.Fatal("a plan was built from a closed snapshot")
	}
	if got := claimsOf(t, s, "lic", d.Source()); len(got) != 40 {
		t.Fatalf("claims %d, want the 40 of the first sync", len(got))
	}
}

// openFiles counts this process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// TestSpillLeavesNothing: spill files are unlinked at once, so the folder
// stays empty while a snapshot is spilled, and a failed read or a closed
// snapshot keeps no file open.
func TestSpillLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	before := openFiles(t)
	src := paged(roster(0, 500, ""), 13)
	snap, err := CollectWith(ctx, src, connectors.Selection{}, CollectOptions{SpillDir: dir, SpillAfter: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Spilled() || snap.Len() != 500 {
		t.Fatalf("spilled %v, %d people", snap.Spilled(), snap.Len())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("the spill folder holds %d names; spills are unlinked at once", len(ents))
	}
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if n := openFiles(t); n != before {
		t.Fatalf("%d files open after Close, %d before", n, before)
	}
	src.failOn = 30
	if _, err := CollectWith(ctx, src, connectors.Selection{}, CollectOptions{SpillDir: dir, SpillAfter: 20}); !errors.Is(err, errUpstream) {
		t.Fatalf("failed read: %v", err)
	}
	if n := openFiles(t); n != before {
		t.Fatalf("%d files open after a failed read, %d before", n, before)
	}
	_, err = CollectWith(ctx, paged(roster(0, 50, ""), 10), connectors.Selection{}, CollectOptions{SpillDir: filepath.Join(dir, "missing"), SpillAfter: 20})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("spill to a missing folder: %v", err)
	}
}

// FuzzDecodePerson: a damaged record is an error, never a panic, and a
// record that decodes encodes back to itself.
func FuzzDecodePerson(f *testing.F) {
	for _, p := range []Person{{Email: "a@b.example"}, {Email: "x@y.example", Name: "N", Role: license.RoleTeacher, OrgUnit: "/A", ExternalID: "7", Attrs: map[string]string{"k": "v", "a": ""}}} {
		f.Add(appendRecord(nil, p.Email, p.Name, p.Role, p.OrgUnit, p.ExternalID, p.Attrs))
	}
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, rec []byte) {
		for _, view := range []bool{false, true} {
			var p Person
			if err := decodePerson(rec, &p, view); err != nil {
				continue
			}
			back := appendRecord(nil, p.Email, p.Name, p.Role, p.OrgUnit, p.ExternalID, p.Attrs)
			if len(back) > len(rec) {
				t.Fatalf("decoded %d bytes into a record of %d", len(rec), len(back))
			}
		}
	})
}
