package engine

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// TestSpilledRunsMatchInMemory runs the same rounds (a first sync, churn,
// a held mass removal and its approval) through an engine that keeps
// snapshots in memory and one that spills every snapshot of more than 7
// people to disk: the runs, the held plan and the members must be the
// same, and the spill folder must be empty after every run.
func TestSpilledRunsMatchInMemory(t *testing.T) {
	mem := newFixture(t, 1000)
	disk := &fixture{t: t, dir: t.TempDir(), src: &source{}, spill: 7, logs: &lockedBuffer{}}
	disk.open()
	if _, err := disk.store.CreateLicense(context.Background(), license.License{ID: "hs", Name: "High School", Type: license.TypeSchool, Seats: 1000}); err != nil {
		t.Fatal(err)
	}
	rounds := [][]int{{0, 200}, {20, 210}, {150, 210}}
	for i, r := range rounds {
		roster := append(people(r[0], r[1]-r[0], license.RoleStudent), people(900, 3, license.RoleTeacher)...)
		var runs []syncstate.Run
		for _, f := range []*fixture{mem, disk} {
			f.src.set(roster)
			run, err := f.run()
			if err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
			runs = append(runs, run)
		}
		a, b := runs[0], runs[1]
		if a.Result != b.Result || a.Counts != b.Counts || a.SnapshotHash != b.SnapshotHash || a.Guard != b.Guard {
			t.Fatalf("round %d: memory %s %+v %s, disk %s %+v %s", i, a.Result, a.Counts, a.SnapshotHash, b.Result, b.Counts, b.SnapshotHash)
		}
		if !reflect.DeepEqual(emailsRoles(mem.members()), emailsRoles(disk.members())) {
			t.Fatalf("round %d: members differ", i)
		}
		if n := strings.Count(disk.logs.String(), "snapshot spilled to disk"); n != i+1 {
			t.Fatalf("round %d: %d spilled snapshots logged, want %d", i, n, i+1)
		}
		if ents, _ := os.ReadDir(disk.engine.spill.SpillDir); len(ents) != 0 {
			t.Fatalf("round %d: %d names left in the spill folder", i, len(ents))
		}
	}
	// The last round removed 130 of 193: the removals wait for approval.
	var held []syncstate.Run
	for _, f := range []*fixture{mem, disk} {
		runs, err := f.state.Runs(context.Background(), "hs", 1)
		if err != nil || len(runs) != 1 || runs[0].Result != syncstate.ResultHeld || runs[0].Counts.HeldRemovals != 130 {
			t.Fatalf("last run: %+v, %v; want held with 130 removals", runs, err)
		}
		run, err := f.engine.Approve(context.Background(), runs[0].PlanID, "admin@district.example.org")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, run)
	}
	if held[0].Result != held[1].Result || held[0].Counts != held[1].Counts {
		t.Fatalf("approvals differ: %+v vs %+v", held[0], held[1])
	}
	if a, b := emailsRoles(mem.members()), emailsRoles(disk.members()); len(a) != 63 || !reflect.DeepEqual(a, b) {
		t.Fatalf("members after approval: %d and %d, want 63 each and equal", len(a), len(b))
	}
}

func emailsRoles(ms map[string]license.Member) map[string]license.Role {
	out := map[string]license.Role{}
	for e, m := range ms {
		out[e] = m.Role
	}
	return out
}
