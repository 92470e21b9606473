package reconcile

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

func TestGuards(t *testing.T) {
	type want struct {
		guards   []string
		held     bool
		adds     int
		updates  int
		removes  int // listed in the plan
		overflow []string
		claims   []string // the source's claims after Apply
		used     int      // members after Apply
	}
	tests := []struct {
		name    string
		seats   int
		expires time.Time
		seed    []connectors.Person // claims of the deployment before the sync
		manual  []string            // manual claims before the sync
		source  []connectors.Person
		failOn  int
		want    want
	}{
		{
			name:   "deletion limit holds removals, adds still apply",
			seats:  1000,
			seed:   roster(0, 100, ""),
			source: append(roster(30, 70, ""), roster(500, 5, "")...), // 30 leave, 5 join
			want: want{
				guards: []string{GuardDeletionLimit}, held: true, adds: 5, removes: 30,
				claims: emailsOfRoster(append(roster(0, 100, ""), roster(500, 5, "")...)), used: 105,
			},
		},
		{
			name:   "removals within the limit apply",
			seats:  1000,
			seed:   roster(0, 100, ""),
			source: roster(20, 80, ""), // 20 leave: the limit is max(20, 10% of 100)
			want: want{
				removes: 20, claims: emailsOfRoster(roster(20, 80, "")), used: 80,
			},
		},
		{
			name:   "empty source removes nobody",
			seats:  1000,
			seed:   roster(0, 50, ""),
			source: nil,
			want: want{
				guards: []string{GuardEmptySource},
				claims: emailsOfRoster(roster(0, 50, "")), used: 50,
			},
		},
		{
			name:   "source failing on page 3 of 5 removes nobody",
			seats:  1000,
			seed:   roster(0, 50, ""),
			source: roster(0, 50, ""), // 5 pages of 10: a partial read of two pages would remove 30
			failOn: 3,
			want:   want{claims: emailsOfRoster(roster(0, 50, "")), used: 50},
		},
		{
			name:   "seat limit: what does not fit is overflow, teachers first",
			seats:  10,
			manual: []string{"m1@school.example.org", "m2@school.example.org", "p0003@school.example.org"},
			source: append(roster(0, 8, license.RoleStudent), roster(100, 2, license.RoleTeacher)...),
			// 7 free seats; p0003 is a member already and needs none; the
			// two teachers go first, then students by email.
			want: want{
				guards: []string{GuardSeatLimit}, adds: 8, // p0003's claim needs no seat
				overflow: []string{"p0006@school.example.org", "p0007@school.example.org"},
				claims: []string{
					"p0000@school.example.org", "p0001@school.example.org", "p0002@school.example.org",
					"p0003@school.example.org", "p0004@school.example.org", "p0005@school.example.org",
					"p0100@school.example.org", "p0101@school.example.org",
				},
				used: 10,
			},
		},
		{
			name:   "seat limit counts seats freed by removals",
			seats:  10,
			seed:   roster(0, 10, ""),
			source: roster(5, 10, ""), // 5 leave, 5 join: fits exactly
			want:   want{adds: 5, removes: 5, claims: emailsOfRoster(roster(5, 10, "")), used: 10},
		},
		{
			name:    "expired license adds nobody, updates and removals apply",
			seats:   1000,
			expires: testNow.AddDate(0, 0, -1),
			seed:    roster(0, 30, ""),
			source: append(append(roster(1, 29, ""), roster(900, 3, "")...),
				connectors.Person{Email: "p0002@school.example.org", Name: "Renamed", Role: license.RoleTeacher}),
			want: want{
				guards: []string{GuardExpired}, updates: 1, removes: 1,
				overflow: []string{"p0900@school.example.org", "p0901@school.example.org", "p0902@school.example.org"},
				claims:   emailsOfRoster(roster(1, 29, "")), used: 29,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t)
			createLicense(t, s, "lic", tt.seats, time.Time{})
			d := deployment("lic", "hs")
			if len(tt.seed) > 0 {
				syncOnce(t, s, d, paged(tt.seed, 25))
			}
			upsert(t, s, "lic", license.SourceManual, tt.manual...)
			if !tt.expires.IsZero() {
				if _, err := s.UpdateLicense(ctx, "lic", "test", func(l *license.License) error { l.Expires = tt.expires; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			manualBefore := claimsOf(t, s, "lic", license.SourceManual)

			src := paged(tt.source, 10)
			src.failOn = tt.failOn
			snap, err := Collect(ctx, src, d.Selection)
			if tt.failOn > 0 {
				if err == nil || snap != nil {
					t.Fatalf("collect of a failing source: snapshot %v, err %v", snap != nil, err)
				}
				// The engine stops here: no plan, no apply.
			} else {
				if err != nil {
					t.Fatal(err)
				}
				p, err := Build(ctx, s, d, snap, Options{Now: testNow})
				if err != nil {
					t.Fatal(err)
				}
				if got := guardNames(p.Guards); !slices.Equal(got, tt.want.guards) {
					t.Errorf("guards %v, want %v (%+v)", got, tt.want.guards, p.Guards)
				}
				for _, g := range p.Guards {
					if len(g.Reason) < 30 {
						t.Errorf("guard %s reason %q does not explain itself", g.Name, g.Reason)
					}
				}
				if p.Held != tt.want.held || len(p.Adds) != tt.want.adds || len(p.Updates) != tt.want.updates || len(p.Removes) != tt.want.removes {
					t.Errorf("held %v adds %d updates %d removes %d, want %v %d %d %d",
						p.Held, len(p.Adds), len(p.Updates), len(p.Removes), tt.want.held, tt.want.adds, tt.want.updates, tt.want.removes)
				}
				if got := overflowEmails(p.Overflow); !slices.Equal(got, tt.want.overflow) && len(got)+len(tt.want.overflow) > 0 {
					t.Errorf("overflow %v, want %v", got, tt.want.overflow)
				}
				c := p.Counts
				if c.Adds != len(p.Adds) || c.Updates != len(p.Updates) || c.Removes != len(p.Removes) || c.Overflow != len(p.Overflow) || c.Desired != len(snap.People) {
					t.Errorf("counts %+v disagree with the lists", c)
				}
				res, err := Apply(ctx, s, p, ApplyOptions{Actor: "test", Now: testNow})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Overflow) != 0 {
					t.Errorf("the store overflowed %v although the plan predicted seats", res.Overflow)
				}
				if tt.want.held && res.Held != tt.want.removes {
					t.Errorf("result holds %d removals, want %d", res.Held, tt.want.removes)
				}
			}
			if got := emailsOf(claimsOf(t, s, "lic", d.Source())); !slices.Equal(got, tt.want.claims) {
				t.Errorf("claims after the sync:\n got %v\nwant %v", got, tt.want.claims)
			}
			l, err := s.GetLicense(ctx, "lic")
			if err != nil {
				t.Fatal(err)
			}
			if l.Used != tt.want.used || l.Used > l.Seats {
				t.Errorf("used %d of %d seats, want %d", l.Used, l.Seats, tt.want.used)
			}
			if got := claimsOf(t, s, "lic", license.SourceManual); !reflect.DeepEqual(got, manualBefore) {
				t.Errorf("manual claims moved: %v → %v", manualBefore, got)
			}
		})
	}
}

func TestExpiredLicenseUpdateApplied(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic", 100, time.Time{})
	d := deployment("lic", "hs")
	syncOnce(t, s, d, paged(roster(0, 3, ""), 10))
	if _, err := s.UpdateLicense(ctx, "lic", "test", func(l *license.License) error { l.Expires = testNow.Add(-time.Hour); return nil }); err != nil {
		t.Fatal(err)
	}
	src := roster(0, 3, "")
	src[1].Role = license.RoleTeacher
	p, _ := syncOnce(t, s, d, paged(src, 10))
	if len(p.Updates) != 1 {
		t.Fatalf("updates %+v", p.Updates)
	}
	got := claimsOf(t, s, "lic", d.Source())
	if got[1].Role != license.RoleTeacher {
		t.Errorf("role on an expired license not updated: %+v", got[1])
	}
}

// A sync can only ever change its own source's claims: it never removes a
// manual claim or another deployment's, even of the same people.
func TestSyncTouchesOnlyItsSource(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic", 1000, time.Time{})
	hs, ms := deployment("lic", "hs"), deployment("lic", "ms")
	syncOnce(t, s, hs, paged(roster(0, 40, ""), 7))
	syncOnce(t, s, ms, paged(roster(20, 40, ""), 7)) // p0020-p0059, overlapping hs
	upsert(t, s, "lic", license.SourceManual, "p0005@school.example.org", "p0100@school.example.org")
	upsert(t, s, "lic", license.CSVSource("u1"), "p0006@school.example.org")
	before := map[license.Source][]Person{}
	for _, src := range []license.Source{ms.Source(), license.SourceManual, license.CSVSource("u1")} {
		before[src] = claimsOf(t, s, "lic", src)
	}

	// hs loses everyone (in two steps, under the deletion limit), renames the rest.
	for _, people := range [][]connectors.Person{roster(0, 25, license.RoleTeacher), roster(0, 5, license.RoleTeacher)} {
		snap, err := Collect(ctx, paged(people, 10), hs.Selection)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Build(ctx, s, hs, snap, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		for _, list := range [][]Person{p.Adds, p.Removes} {
			for _, x := range list {
				if !strings.HasPrefix(x.Email, "p00") {
					t.Errorf("plan of hs touches %s", x.Email)
				}
			}
		}
		if _, err := Apply(ctx, s, p, ApplyOptions{Now: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	for src, want := range before {
		if got := claimsOf(t, s, "lic", src); !reflect.DeepEqual(got, want) {
			t.Errorf("claims of %s moved:\n got %v\nwant %v", src, emailsOf(got), emailsOf(want))
		}
	}
	if got := emailsOf(claimsOf(t, s, "lic", hs.Source())); !slices.Equal(got, emailsOfRoster(roster(0, 5, ""))) {
		t.Errorf("hs claims %v", got)
	}
	// Members keep their seat while any claim is left.
	for _, e := range []string{"p0005@school.example.org", "p0006@school.example.org", "p0030@school.example.org"} {
		if _, err := s.Member(ctx, "lic", e); err != nil {
			t.Errorf("member %s: %v", e, err)
		}
	}
	if _, err := s.Member(ctx, "lic", "p0010@school.example.org"); err == nil {
		t.Errorf("p0010 was only claimed by hs and should be gone")
	}
}

func TestIdempotent(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic", 50, time.Time{})
	d := deployment("lic", "hs")
	upsert(t, s, "lic", license.SourceManual, "p0003@school.example.org")
	syncOnce(t, s, d, paged(roster(0, 30, ""), 8))

	src := append(roster(5, 30, ""), roster(200, 30, license.RoleTeacher)...) // overflows: 50 seats
	src[0].Name = "Changed"
	snap, err := Collect(ctx, paged(src, 8), d.Selection)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() || len(p.Overflow) == 0 {
		t.Fatalf("want a plan with changes and overflow: %+v", p.Counts)
	}
	first, err := Apply(ctx, s, p, ApplyOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	after := members(t, s, "lic")
	second, err := Apply(ctx, s, p, ApplyOptions{Now: testNow.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !first.Changed() || second.Changed() {
		t.Errorf("first apply changed %v, second %v: want true, false (%+v)", first.Changed(), second.Changed(), second)
	}
	if got := members(t, s, "lic"); !reflect.DeepEqual(got, after) {
		t.Errorf("second apply of the same plan moved the store")
	}
	// And a fresh plan from the same source is empty (the overflow remains).
	again, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() || again.Counts.Unchanged != again.Counts.Current {
		t.Errorf("plan after apply: %+v", again.Counts)
	}
	if !slices.Equal(overflowEmails(again.Overflow), overflowEmails(p.Overflow)) {
		t.Errorf("overflow moved: %v → %v", overflowEmails(p.Overflow), overflowEmails(again.Overflow))
	}
}

func TestUpdates(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic", 50, time.Time{})
	d := deployment("lic", "hs")
	d.MaxUpdatePercent = 100 // 5 of 6 claims change: no update-storm guard here
	base := roster(0, 6, "")
	syncOnce(t, s, d, paged(base, 8))

	mod := slices.Clone(base)
	mod[1].Role = license.RoleTeacher
	mod[2].Name = "New Name"
	mod[3].OrgUnit = "/Staff"
	mod[4].ExternalID = "id-new"
	mod[5].Attrs = map[string]string{"grade": "10"}
	p, _ := syncOnce(t, s, d, paged(mod, 8))
	wantDetail := []string{"role student→teacher", `name "Pupil 2"→"New Name"`, "org_unit /Students→/Staff", "external_id id-0004→id-new", "attrs grade"}
	if len(p.Updates) != len(wantDetail) || len(p.Adds)+len(p.Removes) != 0 {
		t.Fatalf("plan %+v", p.Counts)
	}
	for i, u := range p.Updates {
		if got := u.detail(); got != wantDetail[i] {
			t.Errorf("update %s detail %q, want %q", u.Email, got, wantDetail[i])
		}
	}
	got := claimsOf(t, s, "lic", d.Source())
	snap, _ := Collect(ctx, paged(mod, 8), d.Selection)
	if !reflect.DeepEqual(got, snap.People) {
		t.Errorf("claims after update:\n got %+v\nwant %+v", got, snap.People)
	}
}

// When adds exceed the free seats by more than Build looks up one by one,
// it scans the members to find who needs no seat.
func TestSeatPredictionScansMembers(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	n := memberLookupMax + 200
	createLicense(t, s, "lic", n, time.Time{})
	others := make([]string, 0, n/2)
	for i := 0; i < n; i += 2 {
		others = append(others, fmt.Sprintf("p%04d@school.example.org", i))
	}
	upsert(t, s, "lic", license.CSVSource("u1"), others...)
	// n+100 people: half already members; n/2 free seats for n/2+100 new.
	d := deployment("lic", "hs")
	p, res := syncOnce(t, s, d, paged(roster(0, n+100, ""), 500))
	if len(p.Overflow) != 100 || len(res.Overflow) != 0 {
		t.Fatalf("predicted overflow %d, store overflow %d; want 100, 0", len(p.Overflow), len(res.Overflow))
	}
	// Students by email: the last new ones miss out.
	if last := p.Overflow[len(p.Overflow)-1].Email; last != fmt.Sprintf("p%04d@school.example.org", n+99) {
		t.Errorf("last overflow %s", last)
	}
	l, _ := s.GetLicense(ctx, "lic")
	if l.Used != l.Seats {
		t.Errorf("used %d of %d", l.Used, l.Seats)
	}
}

func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic", 10, time.Time{})
	snap := &Snapshot{}
	tests := []struct {
		name string
		d    connectors.Deployment
		snap *Snapshot
		want string
	}{
		{"no snapshot", deployment("lic", "hs"), nil, "no snapshot"},
		{"unknown license", deployment("nope", "hs"), snap, "license nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(ctx, s, tt.d, tt.snap, Options{})
			if err == nil || p != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("plan %v err %v, want an error naming %q", p, err, tt.want)
			}
		})
	}
}

// Retire (undeploy) removes every claim of the deployment on purpose: the
// empty-source guard stands aside, the deletion limit does not.
func TestRetire(t *testing.T) {
	tests := []struct {
		name     string
		claims   int
		wantHeld bool
	}{
		{"within the deletion limit", 15, false},
		{"beyond the deletion limit", 40, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t)
			createLicense(t, s, "lic", 100, time.Time{})
			d := deployment("lic", "hs")
			syncOnce(t, s, d, paged(roster(0, tt.claims, ""), 10))
			upsert(t, s, "lic", license.SourceManual, "p0001@school.example.org")
			p, err := Build(ctx, s, d, &Snapshot{}, Options{Now: testNow, Retire: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Removes) != tt.claims || p.Held != tt.wantHeld || slices.Contains(guardNames(p.Guards), GuardEmptySource) {
				t.Fatalf("removes %d held %v guards %v", len(p.Removes), p.Held, guardNames(p.Guards))
			}
			if _, err := Apply(ctx, s, p, ApplyOptions{Now: testNow}); err != nil {
				t.Fatal(err)
			}
			if pending := p.Pending(); pending != nil {
				if _, err := Approve(ctx, s, pending, ApplyOptions{Now: testNow}); err != nil {
					t.Fatal(err)
				}
			}
			if got := claimsOf(t, s, "lic", d.Source()); len(got) != 0 {
				t.Errorf("%d claims left after retiring", len(got))
			}
			if _, err := s.Member(ctx, "lic", "p0001@school.example.org"); err != nil {
				t.Errorf("manual member went with the deployment: %v", err)
			}
		})
	}
}
