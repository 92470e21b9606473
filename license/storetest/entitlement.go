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

func (h *harness) testEntitlement(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	createLicense(t, s, "member", 10, func(l *license.License) {
		l.Features = map[string]bool{"export": true, "charts": false}
	})
	createLicense(t, s, "domain", 10, func(l *license.License) {
		l.Domains = []string{"school.org"}
		l.Features = map[string]bool{"charts": true, "beta": false}
	})
	createLicense(t, s, "both", 10, func(l *license.License) { l.Domains = []string{"school.org"} })
	createLicense(t, s, "expired", 10, func(l *license.License) {
		l.Created = past
		l.Domains = []string{"school.org"}
		l.Features = map[string]bool{"beta": true}
	})
	createLicense(t, s, "unrelated", 10, func(l *license.License) { l.Domains = []string{"other.org"} })
	apply(t, s, "member", at(0), up("kim@school.org", license.SourceManual, "", ""), up("lee@home.net", license.SourceManual, "", ""))
	apply(t, s, "both", at(0), up("kim@school.org", license.SourceManual, "", ""))
	apply(t, s, "expired", past.AddDate(0, 1, 0), up("kim@school.org", license.SourceManual, "", ""), up("lee@home.net", license.SourceManual, "", ""))
	apply(t, s, "unrelated", at(0), up("someone@other.org", license.SourceManual, "", ""))
	if _, err := s.UpdateLicense(ctx, "expired", "admin@x.org", func(l *license.License) error {
		l.Expires = past.AddDate(1, 0, 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	type grant struct{ license, via string }
	tests := []struct {
		email    string
		grants   []grant
		features map[string]bool
	}{
		{"kim@school.org", []grant{{"both", "member"}, {"domain", "domain:school.org"}, {"member", "member"}},
			map[string]bool{"export": true, "charts": true, "beta": false}},
		{"KIM@School.org", []grant{{"both", "member"}, {"domain", "domain:school.org"}, {"member", "member"}},
			map[string]bool{"export": true, "charts": true, "beta": false}},
		{"new@school.org", []grant{{"both", "domain:school.org"}, {"domain", "domain:school.org"}},
			map[string]bool{"charts": true, "beta": false}},
		{"lee@home.net", []grant{{"member", "member"}}, map[string]bool{"export": true, "charts": false}},
		{"nobody@home.net", nil, map[string]bool{}},
		{"kim@sub.school.org", nil, map[string]bool{}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			ent, err := s.Entitlement(ctx, tt.email)
			if err != nil {
				t.Fatal(err)
			}
			var got []grant
			for _, g := range ent.Licenses {
				got = append(got, grant{g.License, g.Via})
				l := getLicense(t, s, g.License)
				if g.Name != l.Name || g.Type != l.Type || !maps.Equal(g.Features, l.Features) {
					t.Fatalf("grant %+v does not match license %+v", g, l)
				}
			}
			slices.SortFunc(got, func(a, b grant) int { return compareStrings(a.license, b.license) })
			if !slices.Equal(got, tt.grants) {
				t.Fatalf("grants = %v, want %v", got, tt.grants)
			}
			if !maps.Equal(ent.Features, tt.features) {
				t.Fatalf("features = %v, want %v", ent.Features, tt.features)
			}
		})
	}
	if _, err := s.Entitlement(ctx, "not an email"); !errors.Is(err, license.ErrInvalid) {
		t.Fatalf("Entitlement of a bad address: %v, want ErrInvalid", err)
	}

	// Entitlement follows writes: a removed member and a dropped domain
	// grant nothing, a feature switched on shows at once.
	apply(t, s, "member", at(1), rm("kim@school.org", license.SourceManual))
	for _, id := range []string{"domain", "both"} {
		if _, err := s.UpdateLicense(ctx, id, "admin@x.org", func(l *license.License) error { l.Domains = nil; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateLicense(ctx, "both", "admin@x.org", func(l *license.License) error {
		l.Features = map[string]bool{"beta": true}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ent, err := s.Entitlement(ctx, "kim@school.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(ent.Licenses) != 1 || ent.Licenses[0].License != "both" || !maps.Equal(ent.Features, map[string]bool{"beta": true}) {
		t.Fatalf("after changes: %+v, want only both (member) with beta", ent)
	}
	// Mutating the result must not reach the store.
	ent.Licenses[0].Features["beta"] = false
	ent.Features["beta"] = false
	if again, _ := s.Entitlement(ctx, "kim@school.org"); !again.Features["beta"] || !again.Licenses[0].Features["beta"] {
		t.Fatalf("a caller's change to an Entitlement leaked into the store: %+v", again)
	}
}

func (h *harness) testDomainAdmins(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	set := func(domain, email string, admin bool) {
		t.Helper()
		if err := s.SetDomainAdmin(ctx, domain, email, admin); err != nil {
			t.Fatalf("SetDomainAdmin(%s, %s, %v): %v", domain, email, admin, err)
		}
	}
	set("school.org", "zed@school.org", true)
	set("School.org", "Amy@school.org", true)
	set("school.org", "amy@school.org", true) // again: no duplicate
	set("other.org", "amy@school.org", true)
	set("alpha.org", "amy@school.org", true)
	set("alpha.org", "amy@school.org", false)
	set("alpha.org", "nobody@school.org", false) // not an admin: no-op

	check := func(got []string, err error, want []string, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
	got, err := s.DomainAdmins(ctx, "school.org")
	check(got, err, []string{"amy@school.org", "zed@school.org"}, "DomainAdmins(school.org)")
	got, err = s.AdminDomains(ctx, "AMY@school.org")
	check(got, err, []string{"other.org", "school.org"}, "AdminDomains(amy)")
	got, err = s.DomainAdmins(ctx, "alpha.org")
	check(got, err, nil, "DomainAdmins(alpha.org)")
	got, err = s.AdminDomains(ctx, "nobody@school.org")
	check(got, err, nil, "AdminDomains(nobody)")
	// Domain admins are not license admins, and the reverse.
	got, err = s.DomainAdmins(ctx, "school.co")
	check(got, err, nil, "DomainAdmins(school.co)")

	for _, bad := range []struct{ domain, email, field string }{
		{"not a domain", "amy@school.org", "domain"},
		{"school.org", "amy", "email"},
	} {
		wantField(t, s.SetDomainAdmin(ctx, bad.domain, bad.email, true), bad.field)
	}
	if _, err := s.DomainAdmins(ctx, "nodots"); !errors.Is(err, license.ErrInvalid) {
		t.Fatalf("DomainAdmins of a bad domain: %v, want ErrInvalid", err)
	}
	if _, err := s.AdminDomains(ctx, "bad"); !errors.Is(err, license.ErrInvalid) {
		t.Fatalf("AdminDomains of a bad email: %v, want ErrInvalid", err)
	}
}
