package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

func (h *harness) testConcurrency(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	const writers, each, shared = 8, 40, 25
	createLicense(t, s, "par", writers*each+shared)
	createLicense(t, s, "tight", 50)

	var wg sync.WaitGroup
	errs := make(chan error, writers*4)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := license.DeploymentSource("sync", fmt.Sprint(w))
			var own, overlap, tight []license.Change
			for i := range each {
				own = append(own, up(fmt.Sprintf("w%d-%03d@x.org", w, i), src, "", ""))
				tight = append(tight, up(fmt.Sprintf("t%d-%03d@x.org", w, i), src, "", ""))
			}
			for i := range shared {
				// Disjoint claims on shared members, and one claim every writer upserts.
				overlap = append(overlap, up(fmt.Sprintf("shared-%02d@x.org", i), src, "", ""),
					up(fmt.Sprintf("shared-%02d@x.org", i), license.SourceManual, "", "Shared"))
			}
			for _, set := range [][]license.Change{own, overlap} {
				if _, err := s.Apply(ctx, "par", set, license.ApplyOptions{Actor: string(src), Now: at(w), BatchSize: 7}); err != nil {
					errs <- err
				}
			}
			if _, err := s.Apply(ctx, "tight", tight, license.ApplyOptions{Actor: string(src), Now: at(w), BatchSize: 3}); err != nil {
				errs <- err
			}
			// Readers run alongside the writers.
			if _, err := s.Entitlement(ctx, "shared-00@x.org"); err != nil {
				errs <- err
			}
			if _, err := s.ListMembers(ctx, "par", license.ListOptions{Sort: license.SortName}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("parallel apply: %v", err)
	}

	members := allMembers(t, s, "par")
	if len(members) != writers*each+shared {
		t.Fatalf("%d members, want %d: parallel writers lost some", len(members), writers*each+shared)
	}
	for _, m := range members {
		want := 1
		if m.Email[:6] == "shared" {
			want = writers + 1
		}
		if len(m.Claims) != want {
			t.Fatalf("%s has %d claims (%v), want %d", m.Email, len(m.Claims), m.Sources(), want)
		}
	}
	if l := getLicense(t, s, "par"); l.Used != len(members) {
		t.Fatalf("Used = %d, want %d", l.Used, len(members))
	}
	added := 0
	for _, ev := range events(t, s, "par", license.EventQuery{}) {
		if ev.Action == license.ActionMemberAdded {
			added++
		}
	}
	if added != len(members) {
		t.Fatalf("%d member.added events for %d members", added, len(members))
	}

	tight := allMembers(t, s, "tight")
	if l := getLicense(t, s, "tight"); len(tight) != 50 || l.Used != 50 {
		t.Fatalf("tight license has %d members, Used %d; want exactly its 50 seats", len(tight), l.Used)
	}
	if !slices.IsSortedFunc(tight, compareMembers(license.SortEmail, false)) {
		t.Fatal("members out of order")
	}
}

func (h *harness) testReopen(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir()
	s := h.open(t, path)
	plain, key := license.NewKey(t0)
	createLicense(t, s, "dur", 20, func(l *license.License) {
		l.Key = key
		l.Domains = []string{"dur.org"}
		l.Features = map[string]bool{"export": true}
	})
	rosterFixture(t, s, "dur", 17)
	first := allMembers(t, s, "dur")[0]
	apply(t, s, "dur", at(9), rm(first.Email, first.Claims[0].Source))
	if err := s.SetDomainAdmin(ctx, "dur.org", "boss@dur.org", true); err != nil {
		t.Fatal(err)
	}
	wantLicense := getLicense(t, s, "dur")
	wantMembers := allMembers(t, s, "dur")
	wantByName := listAll(t, s, "dur", license.ListOptions{Sort: license.SortName, Limit: 4})
	wantEvents := events(t, s, "dur", license.EventQuery{})
	wantEnt, err := s.Entitlement(ctx, wantMembers[0].Email)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for round := range 2 {
		s2 := h.open(t, path)
		if l := getLicense(t, s2, "dur"); l.Used != wantLicense.Used || l.Name != wantLicense.Name || !l.Key.Matches(plain) || !slices.Equal(l.Domains, wantLicense.Domains) {
			t.Fatalf("round %d: license after reopen %+v, want %+v", round, l, wantLicense)
		}
		sameMembers(t, "members after reopen", allMembers(t, s2, "dur"), wantMembers)
		sameMembers(t, "members by name after reopen", listAll(t, s2, "dur", license.ListOptions{Sort: license.SortName, Limit: 4}), wantByName)
		evs := events(t, s2, "dur", license.EventQuery{})
		if !slices.EqualFunc(evs, wantEvents, func(a, b license.Event) bool {
			return a.Seq == b.Seq && a.Action == b.Action && a.Email == b.Email && a.Time.Equal(b.Time) && a.Actor == b.Actor
		}) {
			t.Fatalf("events after reopen differ: %d vs %d", len(evs), len(wantEvents))
		}
		ent, err := s2.Entitlement(ctx, wantMembers[0].Email)
		if err != nil || len(ent.Licenses) != len(wantEnt.Licenses) {
			t.Fatalf("entitlement after reopen: %+v, %v; want %+v", ent, err, wantEnt)
		}
		if got, err := s2.LicenseByKey(ctx, license.HashKey(plain)); err != nil || got.ID != "dur" {
			t.Fatalf("LicenseByKey after reopen: %v", err)
		}
		if got, err := s2.DomainAdmins(ctx, "dur.org"); err != nil || !slices.Equal(got, []string{"boss@dur.org"}) {
			t.Fatalf("DomainAdmins after reopen: %v, %v", got, err)
		}
		// Writes after a reopen continue the trail.
		r := apply(t, s2, "dur", at(10+round), up(fmt.Sprintf("after%d@x.org", round), license.SourceManual, "", ""))
		if r.MembersAdded != 1 {
			t.Fatalf("apply after reopen: %+v", r)
		}
		evs = events(t, s2, "dur", license.EventQuery{})
		if evs[len(evs)-1].Seq <= wantEvents[len(wantEvents)-1].Seq {
			t.Fatalf("event seq went back after reopen: %d", evs[len(evs)-1].Seq)
		}
		wantLicense = getLicense(t, s2, "dur")
		wantMembers = allMembers(t, s2, "dur")
		wantByName = listAll(t, s2, "dur", license.ListOptions{Sort: license.SortName, Limit: 4})
		wantEvents = evs
		if err := s2.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}
