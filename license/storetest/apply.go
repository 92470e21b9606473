package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

const dir = license.Source("google-directory/hs")

func (h *harness) testApplyInvalid(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "inv", 10)
	apply(t, s, "inv", at(0), up("kept@x.org", license.SourceManual, license.RoleTeacher, "Kept"))
	good := []license.Change{
		up("new@x.org", license.SourceManual, license.RoleStudent, "New"),
		rm("kept@x.org", license.SourceManual),
	}
	tests := []struct {
		name  string
		bad   license.Change
		field string
	}{
		{"empty email", up("", license.SourceManual, "", ""), "email"},
		{"not an email", up("not-an-email", license.SourceManual, "", ""), "email"},
		{"display name form", up("Ann <ann@x.org>", license.SourceManual, "", ""), "email"},
		{"not normalized", up("Ann@X.org", license.SourceManual, "", ""), "email"},
		{"padded", up(" ann@x.org", license.SourceManual, "", ""), "email"},
		{"empty source", up("ann@x.org", "", "", ""), "source"},
		{"unknown source", up("ann@x.org", "bogus", "", ""), "source"},
		{"bad domain source", up("ann@x.org", "domain:not a domain", "", ""), "source"},
		{"bad role", up("ann@x.org", license.SourceManual, "admin", ""), "role"},
		{"bad op", license.Change{Email: "ann@x.org", Source: license.SourceManual}, "op"},
		{"bad remove", rm("ANN@x.org", license.SourceManual), "email"},
	}
	for _, tt := range tests {
		for _, opts := range []license.ApplyOptions{{}, {Atomic: true}, {BatchSize: 1}} {
			t.Run(fmt.Sprintf("%s/%+v", tt.name, opts), func(t *testing.T) {
				before := allMembers(t, s, "inv")
				nEvents := len(events(t, s, "inv", license.EventQuery{}))
				changes := append(slices.Clone(good), tt.bad)
				_, err := s.Apply(ctx, "inv", changes, opts)
				wantField(t, err, tt.field)
				sameMembers(t, "members after a refused apply", allMembers(t, s, "inv"), before)
				if n := len(events(t, s, "inv", license.EventQuery{})); n != nEvents {
					t.Fatalf("a refused apply wrote %d events", n-nEvents)
				}
				if l := getLicense(t, s, "inv"); l.Used != 1 {
					t.Fatalf("Used = %d after a refused apply, want 1", l.Used)
				}
			})
		}
	}
	if _, err := s.Apply(ctx, "nope", good, license.ApplyOptions{}); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("Apply to an unknown license: %v, want ErrNotFound", err)
	}
}

func (h *harness) testClaimsUnion(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "u", 10)
	r := apply(t, s, "u", at(0), up("ann@x.org", license.SourceManual, "", "Ann"))
	if r.MembersAdded != 1 || r.ClaimsAdded != 0 {
		t.Fatalf("first claim: %+v, want one member added", r)
	}
	r = apply(t, s, "u", at(1), up("ann@x.org", dir, license.RoleStudent, "Ann D"))
	if r.MembersAdded != 0 || r.ClaimsAdded != 1 {
		t.Fatalf("second source: %+v, want one claim added", r)
	}
	m, err := s.Member(ctx, "u", "ann@x.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Sources(); !slices.Equal(got, []license.Source{dir, license.SourceManual}) {
		t.Fatalf("sources = %v, want both, sorted", got)
	}
	if l := getLicense(t, s, "u"); l.Used != 1 {
		t.Fatalf("Used = %d, want 1: two claims are one seat", l.Used)
	}

	r = apply(t, s, "u", at(2), rm("ann@x.org", license.SourceManual))
	if r.ClaimsRemoved != 1 || r.MembersRemoved != 0 {
		t.Fatalf("removing one of two claims: %+v", r)
	}
	m, err = s.Member(ctx, "u", "ann@x.org")
	if err != nil {
		t.Fatalf("member gone after removing one of two claims: %v", err)
	}
	if got := m.Sources(); !slices.Equal(got, []license.Source{dir}) {
		t.Fatalf("sources = %v, want only %s", got, dir)
	}
	if m.Name != "Ann D" {
		t.Fatalf("name = %q after the manual claim went, want the directory's", m.Name)
	}

	r = apply(t, s, "u", at(3), rm("ann@x.org", dir))
	if r.ClaimsRemoved != 1 || r.MembersRemoved != 1 {
		t.Fatalf("removing the last claim: %+v", r)
	}
	if _, err := s.Member(ctx, "u", "ann@x.org"); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("Member after the last claim went: %v, want ErrNotFound", err)
	}
	if l := getLicense(t, s, "u"); l.Used != 0 {
		t.Fatalf("Used = %d, want 0", l.Used)
	}
}

func (h *harness) testUpdateAttributes(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "attr", 10)
	first := license.Change{Op: license.OpUpsert, Email: "bo@x.org", Source: dir, Name: "Bo", Role: license.RoleStudent,
		OrgUnit: "/Students/9", ExternalID: "123", Attrs: map[string]string{"grade": "9"}}
	apply(t, s, "attr", at(0), first)
	tests := []struct {
		name string
		mod  func(*license.Change)
	}{
		{"name", func(c *license.Change) { c.Name = "Bo B" }},
		{"role", func(c *license.Change) { c.Role = license.RoleTeacher }},
		{"org unit", func(c *license.Change) { c.OrgUnit = "/Staff" }},
		{"external id", func(c *license.Change) { c.ExternalID = "456" }},
		{"attr value", func(c *license.Change) { c.Attrs = map[string]string{"grade": "10"} }},
		{"attr added", func(c *license.Change) { c.Attrs = map[string]string{"grade": "10", "homeroom": "b"} }},
		{"attrs dropped", func(c *license.Change) { c.Attrs = nil }},
	}
	cur := first
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := cur
			tt.mod(&next)
			now := at(i + 1)
			nEvents := len(events(t, s, "attr", license.EventQuery{Email: "bo@x.org"}))
			r := apply(t, s, "attr", now, next)
			if r.ClaimsUpdated != 1 || r.MembersAdded+r.ClaimsAdded+r.ClaimsRemoved != 0 || r.Unchanged != 0 {
				t.Fatalf("result %+v, want one claim updated", r)
			}
			m, err := s.Member(ctx, "attr", "bo@x.org")
			if err != nil {
				t.Fatal(err)
			}
			c := m.Claim(dir)
			want := license.Claim{Name: next.Name, Role: next.Role, OrgUnit: next.OrgUnit, ExternalID: next.ExternalID, Attrs: next.Attrs}
			if c == nil || !c.SameAttributes(&want) {
				t.Fatalf("claim = %+v, want attributes of %+v", c, next)
			}
			if !c.FirstSeen.Equal(at(0)) || !c.LastSeen.Equal(now) {
				t.Fatalf("claim first/last seen = %s/%s, want %s/%s", c.FirstSeen, c.LastSeen, at(0), now)
			}
			if m.Name != next.Name || m.Role != next.Role || m.OrgUnit != next.OrgUnit {
				t.Fatalf("member not re-resolved: %+v", m)
			}
			evs := events(t, s, "attr", license.EventQuery{Email: "bo@x.org"})
			if len(evs) != nEvents+1 || evs[len(evs)-1].Action != license.ActionClaimUpdated {
				t.Fatalf("events after update: %+v, want one more claim.updated", evs)
			}
			cur = next
		})
	}
}

func (h *harness) testUnchanged(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "same", 10)
	changes := []license.Change{
		up("a@x.org", license.SourceManual, license.RoleTeacher, "A"),
		{Op: license.OpUpsert, Email: "b@x.org", Source: dir, Name: "B", OrgUnit: "/S", Attrs: map[string]string{"k": "v"}},
		up("b@x.org", license.SourceManual, "", ""),
	}
	apply(t, s, "same", at(0), changes...)
	before := allMembers(t, s, "same")
	nEvents := len(events(t, s, "same", license.EventQuery{}))

	again := append(slices.Clone(changes), rm("c@x.org", license.SourceManual), rm("a@x.org", dir))
	for _, opts := range []license.ApplyOptions{{Now: at(5)}, {Now: at(6), Atomic: true}, {Now: at(7), BatchSize: 1}} {
		r, err := s.Apply(ctx, "same", again, opts)
		if err != nil {
			t.Fatal(err)
		}
		if r.Changed() || r.Unchanged != len(again) || r.MembersRemoved != 0 || len(r.Overflow) != 0 {
			t.Fatalf("re-apply %+v: %+v, want all %d unchanged", opts, r, len(again))
		}
		// LastSeen does not move either: nothing at all was written.
		sameMembers(t, "members after an unchanged apply", allMembers(t, s, "same"), before)
		if n := len(events(t, s, "same", license.EventQuery{})); n != nEvents {
			t.Fatalf("an unchanged apply wrote %d events", n-nEvents)
		}
	}
}

func (h *harness) testSeatOrder(t *testing.T) {
	ctx := context.Background()
	// Emails are chosen so email order alone would pick the wrong people.
	changes := []license.Change{
		up("a-student@x.org", dir, license.RoleStudent, ""),
		up("b-student@x.org", dir, "", ""), // no role: a student
		up("c-student@x.org", dir, license.RoleStudent, ""),
		up("y-other@x.org", dir, license.RoleOther, ""),
		up("z-teacher@x.org", dir, license.RoleTeacher, ""),
		up("m-teacher@x.org", dir, license.RoleTeacher, ""),
	}
	tests := []struct {
		seats    int
		in, over []string
	}{
		{0, nil, []string{"m-teacher@x.org", "z-teacher@x.org", "y-other@x.org", "a-student@x.org", "b-student@x.org", "c-student@x.org"}},
		{1, []string{"m-teacher@x.org"}, []string{"z-teacher@x.org", "y-other@x.org", "a-student@x.org", "b-student@x.org", "c-student@x.org"}},
		{3, []string{"m-teacher@x.org", "y-other@x.org", "z-teacher@x.org"}, []string{"a-student@x.org", "b-student@x.org", "c-student@x.org"}},
		{4, []string{"a-student@x.org", "m-teacher@x.org", "y-other@x.org", "z-teacher@x.org"}, []string{"b-student@x.org", "c-student@x.org"}},
		{6, []string{"a-student@x.org", "b-student@x.org", "c-student@x.org", "m-teacher@x.org", "y-other@x.org", "z-teacher@x.org"}, nil},
	}
	for _, tt := range tests {
		for _, batch := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("seats=%d/batch=%d", tt.seats, batch), func(t *testing.T) {
				s := h.store(t)
				createLicense(t, s, "seats", tt.seats)
				// Reverse the input so its order is no help either.
				in := slices.Clone(changes)
				slices.Reverse(in)
				r, err := s.Apply(ctx, "seats", in, license.ApplyOptions{Now: at(0), BatchSize: batch})
				if err != nil {
					t.Fatal(err)
				}
				if got := emails(allMembers(t, s, "seats")); !slices.Equal(got, tt.in) {
					t.Fatalf("members = %v, want %v", got, tt.in)
				}
				var over []string
				for _, o := range r.Overflow {
					if o.Reason != license.ReasonNoSeats || o.Source != dir || !o.Role.Valid() {
						t.Fatalf("overflow entry %+v, want source %s, a role and reason %q", o, dir, license.ReasonNoSeats)
					}
					over = append(over, o.Email)
				}
				slices.Sort(over)
				want := slices.Clone(tt.over)
				slices.Sort(want)
				if !slices.Equal(over, want) {
					t.Fatalf("overflow = %v, want %v", over, want)
				}
				if r.MembersAdded != len(tt.in) {
					t.Fatalf("MembersAdded = %d, want %d", r.MembersAdded, len(tt.in))
				}
				if l := getLicense(t, s, "seats"); l.Used != len(tt.in) || l.Used > l.Seats {
					t.Fatalf("Used = %d of %d seats, want %d", l.Used, l.Seats, len(tt.in))
				}
			})
		}
	}
}

func (h *harness) testSeatsFreed(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "full", 2)
	apply(t, s, "full", at(0), up("a@x.org", license.SourceManual, "", ""), up("b@x.org", license.SourceManual, "", ""))

	// A claim on an existing member needs no seat.
	r := apply(t, s, "full", at(1), up("a@x.org", dir, "", ""))
	if r.ClaimsAdded != 1 || len(r.Overflow) != 0 {
		t.Fatalf("claim on an existing member of a full license: %+v", r)
	}
	// Removes run first in one Apply, whatever the input order.
	r = apply(t, s, "full", at(2), up("c@x.org", license.SourceManual, "", ""), rm("b@x.org", license.SourceManual))
	if r.MembersAdded != 1 || r.MembersRemoved != 1 || len(r.Overflow) != 0 {
		t.Fatalf("swap on a full license: %+v, want one out and one in", r)
	}
	if got := emails(allMembers(t, s, "full")); !slices.Equal(got, []string{"a@x.org", "c@x.org"}) {
		t.Fatalf("members = %v", got)
	}
	// Full again: the next add overflows, and nothing about it is written.
	nEvents := len(events(t, s, "full", license.EventQuery{}))
	r = apply(t, s, "full", at(3), up("d@x.org", license.SourceManual, "", ""))
	if r.MembersAdded != 0 || len(r.Overflow) != 1 || r.Overflow[0].Email != "d@x.org" {
		t.Fatalf("add to a full license: %+v", r)
	}
	if _, err := s.Member(ctx, "full", "d@x.org"); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("overflowed member stored: %v", err)
	}
	if n := len(events(t, s, "full", license.EventQuery{})); n != nEvents {
		t.Fatalf("an overflowing add wrote %d events", n-nEvents)
	}
}

func (h *harness) testAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "aon", 3)
	apply(t, s, "aon", at(0), up("a@x.org", license.SourceManual, "", "A"))
	before := allMembers(t, s, "aon")
	nEvents := len(events(t, s, "aon", license.EventQuery{}))
	changes := []license.Change{
		up("a@x.org", license.SourceManual, "", "A renamed"),
		up("b@x.org", license.SourceManual, license.RoleTeacher, ""),
		up("c@x.org", license.SourceManual, "", ""),
		up("d@x.org", license.SourceManual, "", ""),
	}
	for _, opts := range []license.ApplyOptions{{AllOrNothingSeats: true}, {AllOrNothingSeats: true, BatchSize: 1}, {AllOrNothingSeats: true, Atomic: true}} {
		opts.Now = at(1)
		_, err := s.Apply(ctx, "aon", changes, opts)
		if !errors.Is(err, license.ErrSeatLimit) {
			t.Fatalf("Apply %+v of 3 new members into 2 free seats: %v, want ErrSeatLimit", opts, err)
		}
		sameMembers(t, "after a refused all-or-nothing apply", allMembers(t, s, "aon"), before)
		if n := len(events(t, s, "aon", license.EventQuery{})); n != nEvents {
			t.Fatalf("a refused apply wrote %d events", n-nEvents)
		}
	}
	// What fits goes in whole.
	r, err := s.Apply(ctx, "aon", changes[:3], license.ApplyOptions{Now: at(2), AllOrNothingSeats: true})
	if err != nil || r.MembersAdded != 2 || r.ClaimsUpdated != 1 {
		t.Fatalf("all-or-nothing apply that fits: %+v, %v", r, err)
	}
}

func (h *harness) testAtomic(t *testing.T) {
	ctx := context.Background()
	changes := []license.Change{
		up("a@x.org", license.SourceManual, license.RoleTeacher, "A"),
		up("b@x.org", dir, "", "B"),
		up("c@x.org", dir, "", "C"),
		up("d@x.org", dir, "", "D"),
	}
	// Atomic gives the same result as batches would.
	var want []license.Member
	for i, opts := range []license.ApplyOptions{{BatchSize: 1}, {Atomic: true, BatchSize: 1}, {Atomic: true}} {
		s := h.store(t)
		createLicense(t, s, "atom", 3)
		opts.Now = at(0)
		r, err := s.Apply(ctx, "atom", changes, opts)
		if err != nil {
			t.Fatal(err)
		}
		if r.MembersAdded != 3 || len(r.Overflow) != 1 || r.Overflow[0].Email != "d@x.org" {
			t.Fatalf("Apply %+v: %+v", opts, r)
		}
		got := allMembers(t, s, "atom")
		if i == 0 {
			want = got
			continue
		}
		sameMembers(t, fmt.Sprintf("Apply %+v", opts), got, want)
	}
	// A cancelled atomic apply writes nothing.
	s := h.store(t)
	createLicense(t, s, "atom", 3)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Apply(cctx, "atom", changes, license.ApplyOptions{Atomic: true, Now: at(0)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a cancelled context: %v, want context.Canceled", err)
	}
	if ms := allMembers(t, s, "atom"); len(ms) != 0 {
		t.Fatalf("cancelled atomic apply wrote %v", emails(ms))
	}
}

func (h *harness) testExpired(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	createLicense(t, s, "old", 10, func(l *license.License) { l.Created = created })
	early := created.AddDate(0, 1, 0)
	apply(t, s, "old", early, up("a@x.org", license.SourceManual, "", "A"), up("b@x.org", license.SourceManual, "", "B"))
	if _, err := s.UpdateLicense(ctx, "old", "admin@x.org", func(l *license.License) error {
		l.Expires = created.AddDate(1, 0, 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	late := created.AddDate(2, 0, 0)
	r := apply(t, s, "old", late,
		up("new@x.org", license.SourceManual, license.RoleTeacher, "New"),
		up("a@x.org", license.SourceManual, "", "A renamed"),
		up("a@x.org", dir, "", ""),
		rm("b@x.org", license.SourceManual),
	)
	if len(r.Overflow) != 1 || r.Overflow[0].Email != "new@x.org" || r.Overflow[0].Reason != license.ReasonExpired {
		t.Fatalf("overflow = %+v, want new@x.org with %q", r.Overflow, license.ReasonExpired)
	}
	if r.MembersAdded != 0 || r.ClaimsUpdated != 1 || r.ClaimsAdded != 1 || r.MembersRemoved != 1 {
		t.Fatalf("apply to an expired license: %+v, want an update, a claim added and a removal", r)
	}
	if got := emails(allMembers(t, s, "old")); !slices.Equal(got, []string{"a@x.org"}) {
		t.Fatalf("members = %v", got)
	}
	if m, _ := s.Member(ctx, "old", "a@x.org"); m.Name != "A renamed" || len(m.Claims) != 2 {
		t.Fatalf("member a = %+v", m)
	}
	// The same license before its expiry takes people.
	r = apply(t, s, "old", early.AddDate(0, 1, 0), up("new@x.org", license.SourceManual, "", ""))
	if r.MembersAdded != 1 {
		t.Fatalf("apply dated before expiry: %+v", r)
	}
}

func (h *harness) testResolve(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "res", 10)
	apply(t, s, "res", at(3), license.Change{Op: license.OpUpsert, Email: "r@x.org", Source: dir, Name: "Dir Name", Role: license.RoleTeacher, OrgUnit: "/Staff"})
	apply(t, s, "res", at(1), license.Change{Op: license.OpUpsert, Email: "r@x.org", Source: license.DomainSource("x.org"), Name: "Domain Name"})
	apply(t, s, "res", at(2), license.Change{Op: license.OpUpsert, Email: "r@x.org", Source: license.CSVSource("up1"), Role: license.RoleStudent, OrgUnit: "/Csv"})
	apply(t, s, "res", at(4), license.Change{Op: license.OpUpsert, Email: "r@x.org", Source: license.SourceManual, Name: "Typed Name", Role: license.RoleOther})

	m, err := s.Member(ctx, "res", "r@x.org")
	if err != nil {
		t.Fatal(err)
	}
	// Manual's name beats everyone's; csv is the first with an org unit;
	// teacher is the strongest role; added is the earliest first-seen.
	if m.Name != "Typed Name" || m.OrgUnit != "/Csv" || m.Role != license.RoleTeacher || !m.Added.Equal(at(1)) {
		t.Fatalf("resolved %q %q %s %s; want Typed Name, /Csv, teacher, %s", m.Name, m.OrgUnit, m.Role, m.Added, at(1))
	}
	if !slices.IsSortedFunc(m.Claims, func(a, b license.Claim) int { return compareStrings(string(a.Source), string(b.Source)) }) {
		t.Fatalf("claims not sorted by source: %v", m.Sources())
	}
	// Removing the claims that decided things re-resolves from the rest.
	apply(t, s, "res", at(5), rm("r@x.org", license.SourceManual), rm("r@x.org", license.DomainSource("x.org")), rm("r@x.org", dir))
	m, err = s.Member(ctx, "res", "r@x.org")
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "" || m.OrgUnit != "/Csv" || m.Role != license.RoleStudent || !m.Added.Equal(at(2)) {
		t.Fatalf("after removals resolved %q %q %s %s", m.Name, m.OrgUnit, m.Role, m.Added)
	}
	// The list shows the same derived fields as Member.
	p, err := s.ListMembers(ctx, "res", license.ListOptions{Sort: license.SortAdded})
	if err != nil || len(p.Members) != 1 {
		t.Fatalf("ListMembers: %+v, %v", p, err)
	}
	if d := sameMember(p.Members[0], m); d != "" {
		t.Fatalf("ListMembers and Member differ: %s", d)
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
