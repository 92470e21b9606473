package reconcile

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

func TestCollect(t *testing.T) {
	tests := []struct {
		name        string
		sel         connectors.Selection
		pages       [][]connectors.Person
		want        []Person
		wantSkipped []string // emails as reported
		wantFolded  int
	}{
		{
			name: "normalizes emails and applies the default role",
			sel:  connectors.Selection{DefaultRole: license.RoleTeacher},
			pages: [][]connectors.Person{
				{{Email: "  Ann@School.Example.ORG ", Name: " Ann "}, {Email: "bob@school.example.org", Role: license.RoleStudent}},
			},
			want: []Person{
				{Email: "ann@school.example.org", Name: "Ann", Role: license.RoleTeacher},
				{Email: "bob@school.example.org", Role: license.RoleStudent},
			},
		},
		{
			name: "empty default role means student",
			pages: [][]connectors.Person{
				{{Email: "c@school.example.org"}},
			},
			want: []Person{{Email: "c@school.example.org", Role: license.RoleStudent}},
		},
		{
			name: "skips missing and invalid emails and roles",
			pages: [][]connectors.Person{
				{{ExternalID: "1", Email: ""}, {ExternalID: "2", Email: "Ann Lee <ann@school.example.org>"}},
				{{ExternalID: "3", Email: "no-at-sign"}, {ExternalID: "4", Email: "d@school.example.org", Role: "admin"}},
				{{ExternalID: "5", Email: "ok@school.example.org"}},
			},
			want:        []Person{{Email: "ok@school.example.org", ExternalID: "5", Role: license.RoleStudent}},
			wantSkipped: []string{"", "Ann Lee <ann@school.example.org>", "no-at-sign", "d@school.example.org"},
		},
		{
			name: "folds the same person in several courses: strongest role, first name in a fixed order",
			pages: [][]connectors.Person{
				{{ExternalID: "s1", Email: "e@school.example.org", Role: license.RoleStudent, Name: "Eve S", OrgUnit: "math"}},
				{{ExternalID: "t1", Email: "E@school.example.org", Role: license.RoleTeacher, OrgUnit: "art"}},
				{{ExternalID: "o1", Email: "e@school.example.org", Role: license.RoleOther, Name: "Eve O", Attrs: map[string]string{"grade": "9"}}},
			},
			// The teacher entry sorts first but has no name: the next entry
			// by role strength (other) gives it.
			want:       []Person{{Email: "e@school.example.org", Role: license.RoleTeacher, ExternalID: "t1", OrgUnit: "art", Name: "Eve O", Attrs: map[string]string{"grade": "9"}}},
			wantFolded: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &pagedSource{pages: tt.pages}
			snap, err := Collect(context.Background(), src, tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(snap.People, tt.want) {
				t.Errorf("people:\n got %+v\nwant %+v", snap.People, tt.want)
			}
			var skipped []string
			for _, s := range snap.Skipped {
				skipped = append(skipped, s.Email)
				if s.Reason == "" {
					t.Errorf("skip of %q has no reason", s.Email)
				}
			}
			if !reflect.DeepEqual(skipped, tt.wantSkipped) {
				t.Errorf("skipped %q, want %q", skipped, tt.wantSkipped)
			}
			if snap.SkippedCount != len(tt.wantSkipped) {
				t.Errorf("SkippedCount %d, want %d", snap.SkippedCount, len(tt.wantSkipped))
			}
			fetched := 0
			for _, p := range tt.pages {
				fetched += len(p)
			}
			if snap.Fetched != fetched || snap.Pages != len(tt.pages) || snap.Folded != tt.wantFolded {
				t.Errorf("fetched %d pages %d folded %d, want %d %d %d", snap.Fetched, snap.Pages, snap.Folded, fetched, len(tt.pages), tt.wantFolded)
			}
		})
	}
}

func TestCollectSkipReasons(t *testing.T) {
	src := &pagedSource{pages: [][]connectors.Person{{
		{ExternalID: "x1", Email: " "},
		{ExternalID: "x2", Email: "bad@@school.example.org"},
		{ExternalID: "x3", Email: "r@school.example.org", Role: "principal"},
	}}}
	snap, err := Collect(context.Background(), src, connectors.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, contains string }{
		{"x1", "no email"},
		{"x2", "not a valid address"},
		{"x3", "role"},
	}
	if len(snap.Skipped) != len(want) {
		t.Fatalf("skipped %+v", snap.Skipped)
	}
	for i, w := range want {
		if s := snap.Skipped[i]; s.ExternalID != w.id || !strings.Contains(s.Reason, w.contains) {
			t.Errorf("skip %d = %+v, want id %s and a reason naming %q", i, s, w.id, w.contains)
		}
	}
}

func TestCollectBoundsSkipList(t *testing.T) {
	bad := make([]connectors.Person, MaxSkipsRecorded+250)
	for i := range bad {
		bad[i] = connectors.Person{Email: "not-an-email"}
	}
	snap, err := Collect(context.Background(), paged(bad, 100), connectors.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Skipped) != MaxSkipsRecorded || snap.SkippedCount != len(bad) || len(snap.People) != 0 {
		t.Errorf("recorded %d, counted %d, people %d; want %d, %d, 0", len(snap.Skipped), snap.SkippedCount, len(snap.People), MaxSkipsRecorded, len(bad))
	}
}

func TestCollectHashIgnoresPageOrder(t *testing.T) {
	base := roster(0, 300, license.RoleStudent)
	// The same people again as teachers of a course: folded away.
	base = append(base, roster(100, 20, license.RoleTeacher)...)
	rng := rand.New(rand.NewPCG(1, 2))
	ref, err := Collect(context.Background(), paged(base, 50), connectors.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		shuffled := append([]connectors.Person(nil), base...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		snap, err := Collect(context.Background(), paged(shuffled, 1+rng.IntN(80)), connectors.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		if snap.Hash != ref.Hash || !reflect.DeepEqual(snap.People, ref.People) {
			t.Fatalf("round %d: shuffled source folds differently (hash %s vs %s)", round, snap.Hash, ref.Hash)
		}
	}
	if len(ref.People) != 300 || ref.Folded != 20 {
		t.Fatalf("people %d folded %d, want 300 and 20", len(ref.People), ref.Folded)
	}

	// Any change to what is said about anyone changes the hash.
	changes := []func(p *connectors.Person){
		func(p *connectors.Person) { p.Name += "x" },
		func(p *connectors.Person) { p.Role = license.RoleOther },
		func(p *connectors.Person) { p.OrgUnit = "/Other" },
		func(p *connectors.Person) { p.ExternalID = "new" },
		func(p *connectors.Person) { p.Attrs = map[string]string{"k": "v"} },
		func(p *connectors.Person) { p.Email = "zz@school.example.org" },
	}
	for i, change := range changes {
		mod := append([]connectors.Person(nil), base...)
		change(&mod[7])
		snap, err := Collect(context.Background(), paged(mod, 50), connectors.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		if snap.Hash == ref.Hash {
			t.Errorf("change %d left the hash equal", i)
		}
	}
}

func TestCollectFailureGivesNoSnapshot(t *testing.T) {
	tests := []struct {
		name   string
		failOn int
		ctx    func() context.Context
		want   error
	}{
		{"fails on page 3 of 5", 3, context.Background, errUpstream},
		{"fails on the last page", 5, context.Background, errUpstream},
		{"fails on the first page", 1, context.Background, errUpstream},
		{"cancelled", 0, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := paged(roster(0, 50, ""), 10)
			src.failOn = tt.failOn
			snap, err := Collect(tt.ctx(), src, connectors.Selection{})
			if snap != nil {
				t.Fatalf("got a snapshot of %d people from a failed read", len(snap.People))
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want one wrapping %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), "connector failed") {
				t.Errorf("error %q does not say the connector failed", err)
			}
		})
	}
}

func TestCollectRejectsBadDefaultRole(t *testing.T) {
	_, err := Collect(context.Background(), paged(roster(0, 1, ""), 1), connectors.Selection{DefaultRole: "admin"})
	if !errors.Is(err, license.ErrInvalid) || !strings.Contains(err.Error(), "default_role") {
		t.Fatalf("error %v, want ErrInvalid naming default_role", err)
	}
}
