package storetest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

func (h *harness) testLicenses(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	in := license.License{
		Name: "  Lincoln High  ", Type: "School", Seats: 40, Created: t0,
		Expires:  t0.AddDate(1, 0, 0),
		Domains:  []string{"Lincoln.K12.us", "@lincoln.k12.us", "staff.lincoln.k12.us"},
		Features: map[string]bool{"export": true, "beta.charts": false},
		Admins:   []string{"Pat@Lincoln.k12.us"},
		LMS:      license.LMS{Vendor: "canvas", BaseURL: "https://canvas.example.edu", Status: license.LinkOK, LastSync: t0},
	}
	got, err := s.CreateLicense(ctx, in)
	if err != nil {
		t.Fatalf("CreateLicense: %v", err)
	}
	if got.ID == "" {
		t.Fatal("CreateLicense left the id empty")
	}
	want := in
	want.ID, want.Name, want.Type = got.ID, "Lincoln High", license.TypeSchool
	want.Domains = []string{"lincoln.k12.us", "staff.lincoln.k12.us"}
	want.Admins = []string{"pat@lincoln.k12.us"}
	for _, l := range []license.License{got, getLicense(t, s, got.ID)} {
		if l.ID != want.ID || l.Name != want.Name || l.Type != want.Type || l.Seats != want.Seats ||
			!l.Created.Equal(want.Created) || !l.Expires.Equal(want.Expires) || !slices.Equal(l.Domains, want.Domains) ||
			!slices.Equal(l.Admins, want.Admins) || !maps.Equal(l.Features, want.Features) ||
			l.LMS.Vendor != want.LMS.Vendor || l.LMS.BaseURL != want.LMS.BaseURL || l.LMS.Status != want.LMS.Status ||
			!l.LMS.LastSync.Equal(want.LMS.LastSync) || l.Used != 0 {
			t.Fatalf("stored license\n%+v\nwant\n%+v", l, want)
		}
	}

	// An empty Created gets the current time.
	before := time.Now().Add(-time.Minute)
	noCreated, err := s.CreateLicense(ctx, license.License{ID: "a-first", Name: "A", Type: license.TypePro, Seats: 1})
	if err != nil {
		t.Fatalf("CreateLicense without Created: %v", err)
	}
	if noCreated.Created.Before(before) {
		t.Fatalf("Created = %s, want about now", noCreated.Created)
	}
	if _, err := s.CreateLicense(ctx, license.License{ID: "a-first", Name: "Again", Type: license.TypePro}); !errors.Is(err, license.ErrExists) {
		t.Fatalf("CreateLicense of a taken id: %v, want ErrExists", err)
	}
	createLicense(t, s, "zz-last", 1)

	list, err := s.ListLicenses(ctx)
	if err != nil {
		t.Fatalf("ListLicenses: %v", err)
	}
	ids := make([]string, len(list))
	for i, l := range list {
		ids[i] = l.ID
	}
	wantIDs := []string{"a-first", got.ID, "zz-last"}
	slices.Sort(wantIDs)
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("ListLicenses ids = %v, want %v", ids, wantIDs)
	}

	if _, err := s.GetLicense(ctx, "nope"); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("GetLicense of an unknown id: %v, want ErrNotFound", err)
	}
	evs := events(t, s, got.ID, license.EventQuery{})
	if len(evs) != 1 || evs[0].Action != license.ActionLicenseCreated || evs[0].License != got.ID {
		t.Fatalf("events after create = %+v, want one license.created", evs)
	}
}

func (h *harness) testLicenseValidation(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	ok := license.License{ID: "ok", Name: "ok", Type: license.TypeWork, Seats: 1, Created: t0}
	tests := []struct {
		name  string
		mod   func(*license.License)
		field string
	}{
		{"bad id", func(l *license.License) { l.ID = "Has Space" }, "id"},
		{"no name", func(l *license.License) { l.Name = "  " }, "name"},
		{"bad type", func(l *license.License) { l.Type = "enterprise" }, "type"},
		{"negative seats", func(l *license.License) { l.Seats = -1 }, "seats"},
		{"expires before created", func(l *license.License) { l.Expires = t0.Add(-time.Hour) }, "expires"},
		{"bad domain", func(l *license.License) { l.Domains = []string{"ok.org", "not a domain"} }, "domain"},
		{"bad admin", func(l *license.License) { l.Admins = []string{"nobody"} }, "admins"},
		{"bad feature", func(l *license.License) { l.Features = map[string]bool{"Has Space": true} }, "features"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ok
			tt.mod(&l)
			_, err := s.CreateLicense(ctx, l)
			wantField(t, err, tt.field)
			if _, err := s.GetLicense(ctx, l.ID); l.ID != "" && !errors.Is(err, license.ErrNotFound) {
				t.Fatalf("a refused license was stored: GetLicense = %v", err)
			}
		})
	}
	list, err := s.ListLicenses(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("ListLicenses after refused creates = %v, %v; want none", list, err)
	}
}

func (h *harness) testUpdateLicense(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "upd", 3)
	apply(t, s, "upd", at(0), up("a@x.org", license.SourceManual, "", ""), up("b@x.org", license.SourceManual, "", ""))

	l, err := s.UpdateLicense(ctx, "upd", "admin@x.org", func(l *license.License) error {
		l.Name = "Renamed"
		l.Seats = 2
		l.Features = map[string]bool{"export": true}
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateLicense: %v", err)
	}
	if l.Name != "Renamed" || l.Seats != 2 || !l.Features["export"] || l.Used != 2 {
		t.Fatalf("UpdateLicense returned %+v", l)
	}
	if got := getLicense(t, s, "upd"); got.Name != "Renamed" || got.Seats != 2 || !got.Features["export"] {
		t.Fatalf("stored after update: %+v", got)
	}
	evs := events(t, s, "upd", license.EventQuery{})
	last := evs[len(evs)-1]
	if last.Action != license.ActionLicenseUpdated || last.Actor != "admin@x.org" {
		t.Fatalf("last event after update = %+v, want license.updated by admin@x.org", last)
	}

	boom := errors.New("boom")
	tests := []struct {
		name  string
		fn    func(*license.License) error
		is    error
		field string
	}{
		{"fn fails", func(l *license.License) error { l.Name = "changed"; return boom }, boom, ""},
		{"id", func(l *license.License) error { l.ID = "other"; return nil }, license.ErrInvalid, "id"},
		{"created", func(l *license.License) error { l.Created = l.Created.Add(time.Hour); return nil }, license.ErrInvalid, "created"},
		{"used", func(l *license.License) error { l.Used = 0; return nil }, license.ErrInvalid, "used"},
		{"invalid", func(l *license.License) error { l.Type = "nope"; return nil }, license.ErrInvalid, "type"},
		{"seats below used", func(l *license.License) error { l.Name = "changed"; l.Seats = 1; return nil }, license.ErrSeatLimit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := getLicense(t, s, "upd")
			nEvents := len(events(t, s, "upd", license.EventQuery{}))
			_, err := s.UpdateLicense(ctx, "upd", "admin@x.org", tt.fn)
			if tt.field != "" {
				wantField(t, err, tt.field)
			} else if !errors.Is(err, tt.is) {
				t.Fatalf("UpdateLicense: %v, want %v", err, tt.is)
			}
			after := getLicense(t, s, "upd")
			if after.Name != before.Name || after.Seats != before.Seats || after.Type != before.Type {
				t.Fatalf("a refused update changed the license: %+v → %+v", before, after)
			}
			if n := len(events(t, s, "upd", license.EventQuery{})); n != nEvents {
				t.Fatalf("a refused update wrote %d events", n-nEvents)
			}
		})
	}
	if _, err := s.UpdateLicense(ctx, "nope", "x", func(*license.License) error { return nil }); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("UpdateLicense of an unknown id: %v, want ErrNotFound", err)
	}
}

func (h *harness) testDeleteLicense(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	plain, key := license.NewKey(t0)
	createLicense(t, s, "del", 5, func(l *license.License) { l.Key = key; l.Domains = []string{"del.org"} })
	createLicense(t, s, "keep", 5)
	apply(t, s, "del", at(0), up("a@x.org", license.SourceManual, "", "A"))
	apply(t, s, "keep", at(0), up("a@x.org", license.SourceManual, "", "A"))

	if err := s.DeleteLicense(ctx, "del"); err != nil {
		t.Fatalf("DeleteLicense: %v", err)
	}
	if _, err := s.GetLicense(ctx, "del"); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("GetLicense after delete: %v, want ErrNotFound", err)
	}
	if _, err := s.Member(ctx, "del", "a@x.org"); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("Member after delete: %v, want ErrNotFound", err)
	}
	if _, err := s.Events(ctx, "del", license.EventQuery{}); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("Events after delete: %v, want ErrNotFound", err)
	}
	if _, err := s.LicenseByKey(ctx, license.HashKey(plain)); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("LicenseByKey after delete: %v, want ErrNotFound", err)
	}
	for _, email := range []string{"a@x.org", "b@del.org"} {
		ent, err := s.Entitlement(ctx, email)
		if err != nil {
			t.Fatalf("Entitlement(%s): %v", email, err)
		}
		for _, g := range ent.Licenses {
			if g.License == "del" {
				t.Fatalf("Entitlement(%s) still grants the deleted license: %+v", email, ent)
			}
		}
	}
	if _, err := s.Member(ctx, "keep", "a@x.org"); err != nil {
		t.Fatalf("deleting one license touched another's member: %v", err)
	}
	if err := s.DeleteLicense(ctx, "del"); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("second DeleteLicense: %v, want ErrNotFound", err)
	}
	// The id is free again, and the new license starts empty.
	createLicense(t, s, "del", 5)
	if ms := allMembers(t, s, "del"); len(ms) != 0 {
		t.Fatalf("recreated license has members %v", emails(ms))
	}
	if evs := events(t, s, "del", license.EventQuery{}); len(evs) != 1 {
		t.Fatalf("recreated license has %d events, want 1", len(evs))
	}
}

func (h *harness) testLicenseByKey(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	plain, key := license.NewKey(t0)
	createLicense(t, s, "keyed", 5, func(l *license.License) { l.Key = key })
	createLicense(t, s, "other", 5)

	for _, typed := range []string{plain, " " + plain + " ", lowerNoDashes(plain)} {
		l, err := s.LicenseByKey(ctx, license.HashKey(typed))
		if err != nil || l.ID != "keyed" {
			t.Fatalf("LicenseByKey(%q) = %s, %v; want keyed", typed, l.ID, err)
		}
	}
	if _, err := s.LicenseByKey(ctx, license.HashKey("RC-WRONG")); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("LicenseByKey of a wrong key: %v, want ErrNotFound", err)
	}
	if _, err := s.LicenseByKey(ctx, nil); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("LicenseByKey(nil): %v, want ErrNotFound", err)
	}

	newPlain, l, err := license.RotateKey(ctx, s, "keyed", "admin@x.org", at(1))
	if err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	if !l.Key.Matches(newPlain) {
		t.Fatal("rotated license does not match its new key")
	}
	if _, err := s.LicenseByKey(ctx, license.HashKey(plain)); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("old key after rotation: %v, want ErrNotFound", err)
	}
	if got, err := s.LicenseByKey(ctx, license.HashKey(newPlain)); err != nil || got.ID != "keyed" {
		t.Fatalf("new key after rotation = %s, %v", got.ID, err)
	}
	evs := events(t, s, "keyed", license.EventQuery{})
	found := false
	for _, ev := range evs {
		if ev.Action == license.ActionKeyRotated {
			found = true
		}
	}
	if !found {
		t.Fatalf("no %s event after rotation: %+v", license.ActionKeyRotated, evs)
	}
}

func lowerNoDashes(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}
