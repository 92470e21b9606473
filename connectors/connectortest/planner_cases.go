package connectortest

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// The planner receives the source's emails and normalizes them: the
// snapshot holds each active person with an email once, lower-cased.
func testEmailsNormalized(t *testing.T, h Harness) {
	f := open(t, h, 61, 250, 5, 20)
	snap, err := reconcile.Collect(context.Background(), f.Connector, f.Selection)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	mixed := 0
	for _, e := range f.expected() {
		if e.Email == "" {
			continue
		}
		if e.Email != strings.ToLower(e.Email) {
			mixed++
		}
		want = append(want, strings.ToLower(e.Email))
	}
	if mixed == 0 {
		t.Fatal("roster has no mixed-case email: the test cannot fail")
	}
	slices.Sort(want)
	got := make([]string, len(snap.People))
	for i, p := range snap.People {
		got[i] = p.Email
	}
	if !slices.Equal(got, want) {
		t.Errorf("snapshot emails differ from the roster's active emails, lower-cased:\n got %d %v\nwant %d %v", len(got), got, len(want), want)
	}
}

// People without an email are skipped, each with the reason, and the rest
// still come through.
func testNoEmailSkipped(t *testing.T, h Harness) {
	f := open(t, h, 71, 250, 5, 20)
	snap, err := reconcile.Collect(context.Background(), f.Connector, f.Selection)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for id, e := range f.expected() {
		if e.Email == "" {
			want[id] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("roster has no active person without an email: the test cannot fail")
	}
	got := map[string]bool{}
	for _, s := range snap.Skipped {
		if s.Reason != "no email" {
			t.Errorf("skip %+v: reason %q, want \"no email\"", s, s.Reason)
		}
		got[s.ExternalID] = true
	}
	for id := range want {
		if !got[id] {
			t.Errorf("%s has no email but was not skipped", id)
		}
	}
	for id := range got {
		if !want[id] {
			t.Errorf("%s skipped, but the roster gives them an email or excludes them", id)
		}
	}
	if snap.SkippedCount < len(want) {
		t.Errorf("SkippedCount %d, want at least %d", snap.SkippedCount, len(want))
	}
	if len(snap.People) == 0 {
		t.Error("nobody with an email came through")
	}
}

// Someone in several units is one person in the snapshot, with the
// strongest of their roles.
func testFolded(t *testing.T, h Harness) {
	f := open(t, h, 81, 300, 6, 25)
	snap, err := reconcile.Collect(context.Background(), f.Connector, f.Selection)
	if err != nil {
		t.Fatal(err)
	}
	byEmail := map[string]reconcile.Person{}
	for _, p := range snap.People {
		byEmail[p.Email] = p
	}
	mixedRoles, several := 0, 0
	withEmail := 0
	for id, e := range f.expected() {
		if e.Email == "" {
			continue
		}
		withEmail++
		p := f.byExternal[id]
		roles := map[license.Role]bool{}
		for _, m := range p.Units {
			roles[m.Role] = true
		}
		if len(p.Units) > 1 {
			several++
		}
		if len(roles) > 1 {
			mixedRoles++
		}
		got, ok := byEmail[strings.ToLower(e.Email)]
		if !ok {
			t.Errorf("%s (%q) missing from the snapshot", id, e.Email)
			continue
		}
		if got.Role != e.Role {
			t.Errorf("%s (%q) in %d units has role %s, want %s", id, e.Email, len(p.Units), got.Role, e.Role)
		}
	}
	if mixedRoles == 0 || several == 0 {
		t.Fatalf("roster has %d people in several units, %d with two roles: the test cannot fail", several, mixedRoles)
	}
	if len(snap.People) != withEmail {
		t.Errorf("snapshot has %d people, want %d (one per person with an email)", len(snap.People), withEmail)
	}
}

// A read that fails part way plans nothing: the deployment's claims in a
// real store stay as the last good sync left them.
func testFailedReadRemovesNobody(t *testing.T, h Harness) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	st, err := bolt.Open(filepath.Join(t.TempDir(), "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	lic, err := st.CreateLicense(ctx, license.License{ID: "lms", Name: "LMS licence", Type: license.TypeDistrict,
		Seats: 100000, Created: now.AddDate(-1, 0, 0), Expires: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	f := open(t, h, 91, 300, 3, 10)
	d := connectors.Deployment{Name: "courses", Connector: f.Name, License: lic.ID, Selection: f.Selection,
		DeletionLimit: connectors.DefaultDeletionLimit}

	snap, err := reconcile.Collect(ctx, f.Connector, d.Selection)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := reconcile.Build(ctx, st, d, snap, reconcile.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reconcile.Apply(ctx, st, plan, reconcile.ApplyOptions{Actor: "test", Now: now}); err != nil {
		t.Fatal(err)
	}
	before := claimed(t, st, lic.ID, d.Source())
	if len(before) == 0 {
		t.Fatal("the first sync claimed nobody: the test cannot fail")
	}

	f.Faults.FailOnPage(3, false)
	snap, err = reconcile.Collect(ctx, f.Connector, d.Selection)
	if err == nil {
		t.Fatalf("Collect succeeded with page 3 failing (%d people)", len(snap.People))
	}
	if snap != nil {
		t.Fatal("Collect returned a snapshot with its error")
	}
	if _, err := reconcile.Build(ctx, st, d, snap, reconcile.Options{Now: now}); err == nil {
		t.Fatal("Build planned from no snapshot")
	}
	if after := claimed(t, st, lic.ID, d.Source()); !slices.Equal(after, before) {
		t.Errorf("claims changed after a failed read: %d before, %d after", len(before), len(after))
	}
}

func claimed(t *testing.T, st license.Store, licenseID string, src license.Source) []string {
	t.Helper()
	var out []string
	err := st.Claims(context.Background(), licenseID, src, func(m *license.Member) error {
		out = append(out, m.Email)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
