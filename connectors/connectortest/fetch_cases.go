package connectortest

import (
	"context"
	"errors"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// A roster many times the page size comes back whole, over many pages.
func testPaging(t *testing.T, h Harness) {
	cases := []struct {
		name                   string
		people, units, perPage int
	}{
		{"many pages", 300, 6, 7},
		{"page size 1", 40, 3, 1},
		{"one page", 20, 2, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := open(t, h, int64(tc.people), tc.people, tc.units, tc.perPage)
			res, err := f.fetch(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			f.compare(t, res)
			// Each request answers at most perPage records, so fewer
			// requests than this means the page size was not honored.
			if min := (res.rows + tc.perPage - 1) / tc.perPage; f.Requests() < min {
				t.Errorf("%d listing requests for %d records at %d a page, want at least %d", f.Requests(), res.rows, tc.perPage, min)
			}
			if tc.perPage < 10 && res.pages < 3 {
				t.Errorf("%d pages emitted: paging was not exercised", res.pages)
			}
		})
	}
}

// Roles come from the vendor's role names through the selection: every
// teacher variant is a teacher, students are students, and someone who
// teaches one unit and studies in another is a teacher.
func testRoleMapping(t *testing.T, h Harness) {
	f := open(t, h, 11, 400, 8, 50)
	res, err := f.fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.compare(t, res)
	variants := map[int]bool{}
	n := map[license.Role]int{}
	for id, e := range f.expected() {
		n[e.Role]++
		for _, m := range f.byExternal[id].Units {
			if m.Role == license.RoleTeacher {
				variants[m.Variant] = true
			}
		}
	}
	if n[license.RoleTeacher] == 0 || n[license.RoleStudent] == 0 || len(variants) < 3 {
		t.Fatalf("roster has %v and teacher variants %v: the test cannot tell roles apart", n, variants)
	}
}

// Inactive, deleted and suspended people are never returned.
func testStatusExcluded(t *testing.T, h Harness) {
	f := open(t, h, 5, 200, 4, 25)
	res, err := f.fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := map[Status]int{}
	for i := range f.Roster.People {
		p := &f.Roster.People[i]
		if len(p.Units) == 0 {
			continue
		}
		found[p.Status]++
		if _, ok := res.people[f.ext(p.ID)]; ok && p.Status != StatusActive {
			t.Errorf("%s (%q) is %s but was returned", p.ID, p.Email, p.Status)
		}
	}
	for _, s := range []Status{StatusInactive, StatusDeleted, StatusSuspended} {
		if found[s] == 0 {
			t.Fatalf("roster has nobody %s: the test cannot fail", s)
		}
	}
	f.compare(t, res)
}

// An error from emit ends the Fetch with that error.
func testEmitError(t *testing.T, h Harness) {
	f := open(t, h, 3, 100, 2, 10)
	stop := errors.New("store is full")
	calls := 0
	err := f.Connector.Fetch(context.Background(), f.Selection, func([]connectors.Person) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Fetch = %v, want the emit error", err)
	}
	if calls != 1 {
		t.Errorf("emit called %d times after it failed, want 1", calls)
	}
}

// An empty source is a complete, empty snapshot: guarding against it is
// the planner's job.
func testEmptySource(t *testing.T, h Harness) {
	f := open(t, h, 4, 100, 3, 10)
	f.Faults.Empty()
	res, err := f.fetch(context.Background())
	if err != nil || len(res.people) != 0 {
		t.Fatalf("Fetch of an empty source = %d people, %v; want 0, nil", len(res.people), err)
	}
}
