package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// testLeaving: a claim upserted with Leaving is marked leaving (one
// claim.leaving event, the seat kept, the member's status leaving only when
// every claim is leaving); upserting it again without Leaving restores it
// (one claim.restored event); the marks survive a reopen and appear in
// SourceClaims; a leaving member whose claims revoke access is not
// entitled, one whose claims keep access is.
func (h *harness) testLeaving(t *testing.T) {
	ctx := context.Background()
	s, dir := h.storeIn(t, t.TempDir())
	createLicense(t, s, "lv", 10)
	src := license.DeploymentSource("roster", "hs")
	leave := func(email string, revokes bool) license.Change {
		c := up(email, src, license.RoleStudent, "N "+email)
		c.Leaving, c.LeavingRevokes = at(30), revokes
		return c
	}
	apply(t, s, "lv", at(0),
		up("keep@x.org", src, license.RoleStudent, "N keep@x.org"),
		up("both@x.org", src, license.RoleStudent, "N both@x.org"),
		up("both@x.org", license.SourceManual, "", ""),
		up("gone@x.org", src, license.RoleStudent, "N gone@x.org"),
		up("back@x.org", src, license.RoleStudent, "N back@x.org"))

	r := apply(t, s, "lv", at(1), leave("keep@x.org", false), leave("both@x.org", false), leave("gone@x.org", true), leave("back@x.org", true))
	if r.ClaimsLeaving != 4 || r.ClaimsUpdated != 4 || r.ClaimsRemoved != 0 || r.MembersRemoved != 0 {
		t.Fatalf("marking 4 claims leaving: %+v", r)
	}
	if again := apply(t, s, "lv", at(2), leave("keep@x.org", false)); again.Unchanged != 1 || again.ClaimsLeaving != 0 {
		t.Fatalf("marking a leaving claim again with the same date wrote: %+v", again)
	}
	if l := getLicense(t, s, "lv"); l.Used != 4 {
		t.Fatalf("leaving members must keep their seats: used %d, want 4", l.Used)
	}
	r = apply(t, s, "lv", at(3), up("back@x.org", src, license.RoleStudent, "N back@x.org"))
	if r.ClaimsRestored != 1 {
		t.Fatalf("restoring: %+v", r)
	}

	check := func(s license.Store) {
		t.Helper()
		status := map[string]string{}
		for _, m := range allMembers(t, s, "lv") {
			status[m.Email] = m.Status()
		}
		want := map[string]string{"keep@x.org": license.StatusLeaving, "both@x.org": license.StatusActive, "gone@x.org": license.StatusLeaving, "back@x.org": license.StatusActive}
		for e, st := range want {
			if status[e] != st {
				t.Errorf("%s status %q, want %q", e, status[e], st)
			}
		}
		m, err := s.Member(ctx, "lv", "gone@x.org")
		if err != nil {
			t.Fatal(err)
		}
		if on, ok := m.LeavingOn(); !ok || !on.Equal(at(30)) || !m.AccessRevoked() {
			t.Errorf("gone@x.org leaving %v %v, revoked %v; want leaving on %v, revoked", on, ok, m.AccessRevoked(), at(30))
		}
		var leaving []string
		if err := s.SourceClaims(ctx, "lv", src, func(email string, c *license.Claim, _ bool) error {
			if !c.Leaving.IsZero() {
				leaving = append(leaving, email)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(leaving, []string{"both@x.org", "gone@x.org", "keep@x.org"}) {
			t.Errorf("SourceClaims shows leaving %v", leaving)
		}
		for _, c := range []struct {
			email    string
			entitled bool
		}{{"keep@x.org", true}, {"gone@x.org", false}, {"back@x.org", true}, {"both@x.org", true}} {
			ent, err := s.Entitlement(ctx, c.email)
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, g := range ent.Licenses {
				got = got || g.License == "lv"
			}
			if got != c.entitled {
				t.Errorf("%s entitled to lv: %v, want %v", c.email, got, c.entitled)
			}
		}
	}
	check(s)

	evs, err := s.Events(ctx, "lv", license.EventQuery{Email: "back@x.org"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []license.Action
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if !slices.Equal(actions, []license.Action{license.ActionMemberAdded, license.ActionClaimLeaving, license.ActionClaimRestored}) {
		t.Errorf("back@x.org's trail %v: want added, leaving, restored (one event each)", actions)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, _ := h.storeIn(t, dir)
	check(s2)
	// A restored member is entitled again; removing a leaving claim frees the seat.
	apply(t, s2, "lv", at(31), rm("gone@x.org", src))
	if l := getLicense(t, s2, "lv"); l.Used != 3 {
		t.Fatalf("after removing the leaver: used %d, want 3", l.Used)
	}
}
