package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

func (h *harness) testEvents(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "ev", 10)
	createLicense(t, s, "quiet", 10)
	opts := func(actor string, day int) license.ApplyOptions {
		return license.ApplyOptions{Actor: actor, Now: at(day)}
	}
	steps := []struct {
		actor   string
		changes []license.Change
	}{
		{"admin@x.org", []license.Change{up("a@x.org", license.SourceManual, "", "A")}},
		{string(dir), []license.Change{up("a@x.org", dir, license.RoleTeacher, "A"), up("b@x.org", dir, "", "B")}},
		{string(dir), []license.Change{up("a@x.org", dir, license.RoleOther, "A")}},
		{"admin@x.org", []license.Change{rm("a@x.org", license.SourceManual)}},
		{string(dir), []license.Change{rm("a@x.org", dir)}},
	}
	for i, st := range steps {
		if _, err := s.Apply(ctx, "ev", st.changes, opts(st.actor, i)); err != nil {
			t.Fatal(err)
		}
	}
	apply(t, s, "quiet", at(0), up("a@x.org", license.SourceManual, "", "")) // another license's trail

	type want struct {
		email  string
		action license.Action
		source license.Source
		actor  string
		day    int
	}
	wants := []want{
		{"", license.ActionLicenseCreated, "", "", -1},
		{"a@x.org", license.ActionMemberAdded, license.SourceManual, "admin@x.org", 0},
		{"a@x.org", license.ActionClaimAdded, dir, string(dir), 1},
		{"b@x.org", license.ActionMemberAdded, dir, string(dir), 1},
		{"a@x.org", license.ActionClaimUpdated, dir, string(dir), 2},
		{"a@x.org", license.ActionClaimRemoved, license.SourceManual, "admin@x.org", 3},
		{"a@x.org", license.ActionMemberRemoved, dir, string(dir), 4},
	}
	all := events(t, s, "ev", license.EventQuery{})
	if len(all) != len(wants) {
		t.Fatalf("%d events, want %d: %+v", len(all), len(wants), all)
	}
	for i, w := range wants {
		ev := all[i]
		if ev.License != "ev" || ev.Email != w.email || ev.Action != w.action || ev.Source != w.source || ev.Actor != w.actor ||
			(w.day >= 0 && !ev.Time.Equal(at(w.day))) || ev.Time.IsZero() {
			t.Fatalf("event %d = %+v, want %+v", i, ev, w)
		}
		if i > 0 && ev.Seq <= all[i-1].Seq {
			t.Fatalf("event seqs do not increase: %d after %d", ev.Seq, all[i-1].Seq)
		}
	}
	// The update says what changed.
	if all[4].Detail == "" {
		t.Fatalf("claim.updated has no detail: %+v", all[4])
	}

	// After and Limit page through the trail.
	for _, afterIdx := range []int{-1, 0, 1, 5, 6} {
		for _, limit := range []int{0, 1, 2, 5} {
			after := uint64(0)
			if afterIdx >= 0 {
				after = all[afterIdx].Seq
			}
			var w []license.Event
			for _, ev := range all {
				if ev.Seq > after && (limit == 0 || len(w) < limit) {
					w = append(w, ev)
				}
			}
			got := events(t, s, "ev", license.EventQuery{After: after, Limit: limit})
			if !slices.EqualFunc(got, w, func(a, b license.Event) bool { return a.Seq == b.Seq }) {
				t.Fatalf("Events(After %d, Limit %d) = %v, want %v", after, limit, seqs(got), seqs(w))
			}
		}
	}

	// Per member: only theirs, in order, with After and Limit too.
	var wantA []license.Event
	for _, ev := range all {
		if ev.Email == "a@x.org" {
			wantA = append(wantA, ev)
		}
	}
	gotA := events(t, s, "ev", license.EventQuery{Email: "a@x.org"})
	if !slices.EqualFunc(gotA, wantA, func(a, b license.Event) bool { return a.Seq == b.Seq && a.Action == b.Action }) {
		t.Fatalf("a's events = %v, want %v", seqs(gotA), seqs(wantA))
	}
	page := events(t, s, "ev", license.EventQuery{Email: "a@x.org", After: wantA[0].Seq, Limit: 2})
	if !slices.EqualFunc(page, wantA[1:3], func(a, b license.Event) bool { return a.Seq == b.Seq }) {
		t.Fatalf("a's events after %d limit 2 = %v, want %v", wantA[0].Seq, seqs(page), seqs(wantA[1:3]))
	}
	if got := events(t, s, "ev", license.EventQuery{Email: "nobody@x.org"}); len(got) != 0 {
		t.Fatalf("events of a stranger: %+v", got)
	}
	if _, err := s.Events(ctx, "nope", license.EventQuery{}); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("Events of an unknown license: %v, want ErrNotFound", err)
	}
}

func seqs(evs []license.Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}
