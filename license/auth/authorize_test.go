package auth

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// world is two licenses and the people around them:
//
//	A: admins a-admin@north.org, domains north.org; members in north.org and south.org
//	B: admins b-admin@south.org, domains south.org
//	dom-admin@north.org administers north.org (so reaches A, not B)
type world struct {
	store license.Store
	a, b  license.License
}

func newWorld(t *testing.T) world {
	t.Helper()
	ctx := context.Background()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a, err := s.CreateLicense(ctx, license.License{ID: "lic-a", Name: "A", Type: license.TypeDistrict, Seats: 10,
		Domains: []string{"north.org"}, Admins: []string{"a-admin@north.org"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateLicense(ctx, license.License{ID: "lic-b", Name: "B", Type: license.TypeSchool, Seats: 10,
		Domains: []string{"south.org"}, Admins: []string{"b-admin@south.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetDomainAdmin(ctx, "north.org", "dom-admin@north.org", true); err != nil {
		t.Fatal(err)
	}
	return world{store: s, a: a, b: b}
}

var (
	operator    = Principal{Email: "op@district.org", Role: RoleOperator, Via: ViaToken}
	adminA      = Principal{Email: "a-admin@north.org", Role: RoleAdmin, Via: ViaToken}
	adminB      = Principal{Email: "b-admin@south.org", Role: RoleAdmin, Via: ViaToken}
	domainAdmin = Principal{Email: "dom-admin@north.org", Role: RoleAdmin, Via: ViaOIDC}
	stranger    = Principal{Email: "nobody@else.org", Role: RoleAdmin, Via: ViaOIDC}
	application = Principal{Email: "app@vendor.com", Role: RoleApplication, Via: ViaToken}
	anonymous   = Principal{}
)

func TestAuthorizer(t *testing.T) {
	w := newWorld(t)
	az := Authorizer{Store: w.store}
	ctx := context.Background()
	// want: "ok", "404", "403", "401"
	type row struct {
		who                          Principal
		visible                      []string
		readA, manageA, readB, guess string
		memberNorthA, memberSouthA   string // CanReadMember on A
		manageNorthA, manageSouthA   string // CanManageMember on A
		operate, lookUp              string
	}
	rows := map[string]row{
		"operator":     {operator, []string{"lic-a", "lic-b"}, "ok", "ok", "ok", "404", "ok", "ok", "ok", "ok", "ok", "ok"},
		"license A":    {adminA, []string{"lic-a"}, "ok", "ok", "404", "404", "ok", "ok", "ok", "ok", "403", "403"},
		"license B":    {adminB, []string{"lic-b"}, "404", "404", "ok", "404", "404", "404", "404", "404", "403", "403"},
		"domain admin": {domainAdmin, []string{"lic-a"}, "ok", "403", "404", "404", "ok", "404", "ok", "403", "403", "403"},
		"stranger":     {stranger, nil, "404", "404", "404", "404", "404", "404", "404", "404", "403", "403"},
		"application":  {application, nil, "403", "403", "403", "403", "403", "403", "403", "403", "403", "ok"},
		"anonymous":    {anonymous, nil, "401", "401", "401", "401", "401", "401", "401", "401", "401", "401"},
	}
	for name, r := range rows {
		t.Run(name, func(t *testing.T) {
			check := func(what, want string, err error) {
				t.Helper()
				if got := outcome(err); got != want {
					t.Errorf("%s: %s (%v), want %s", what, got, err, want)
				}
			}
			ls, err := az.VisibleLicenses(ctx, r.who)
			if r.visible != nil || err == nil {
				var ids []string
				for _, l := range ls {
					ids = append(ids, l.ID)
				}
				if !slices.Equal(ids, r.visible) || err != nil {
					t.Errorf("visible = %v, %v; want %v", ids, err, r.visible)
				}
			}
			check("read A", r.readA, az.CanReadLicense(ctx, r.who, "lic-a"))
			check("manage A", r.manageA, az.CanManageLicense(ctx, r.who, "lic-a"))
			check("read B", r.readB, az.CanReadLicense(ctx, r.who, "lic-b"))
			check("read guessed", r.guess, az.CanReadLicense(ctx, r.who, "lic-zz"))
			check("member north on A", r.memberNorthA, az.CanReadMember(ctx, r.who, "lic-a", "kid@north.org"))
			check("member south on A", r.memberSouthA, az.CanReadMember(ctx, r.who, "lic-a", "kid@south.org"))
			check("manage north on A", r.manageNorthA, az.CanManageMember(ctx, r.who, "lic-a", "kid@north.org"))
			check("manage south on A", r.manageSouthA, az.CanManageMember(ctx, r.who, "lic-a", "kid@south.org"))
			check("operate", r.operate, az.CanOperate(r.who))
			check("look up", r.lookUp, az.CanLookUp(r.who))
		})
	}
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, license.ErrNotFound):
		return "404"
	case errors.Is(err, ErrForbidden):
		return "403"
	case errors.Is(err, ErrUnauthenticated):
		return "401"
	}
	return "error: " + err.Error()
}

func TestMemberScope(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.store.Apply(ctx, "lic-a", []license.Change{
		{Op: license.OpUpsert, Email: "kid1@north.org", Source: license.SourceManual},
		{Op: license.OpUpsert, Email: "kid2@south.org", Source: license.SourceManual},
		{Op: license.OpUpsert, Email: "kid3@north.org", Source: license.SourceManual},
	}, license.ApplyOptions{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	az := Authorizer{Store: w.store}
	cases := []struct {
		who  Principal
		want []string
	}{
		{operator, []string{"kid1@north.org", "kid2@south.org", "kid3@north.org"}},
		{adminA, []string{"kid1@north.org", "kid2@south.org", "kid3@north.org"}},
		{domainAdmin, []string{"kid1@north.org", "kid3@north.org"}},
	}
	for _, tc := range cases {
		f, err := az.MemberScope(ctx, tc.who, "lic-a")
		if err != nil {
			t.Fatalf("%s: %v", tc.who.Email, err)
		}
		page, err := w.store.ListMembers(ctx, "lic-a", license.ListOptions{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range page.Members {
			got = append(got, m.Email)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s sees %v, want %v", tc.who.Email, got, tc.want)
		}
	}
	if _, err := az.MemberScope(ctx, adminB, "lic-a"); !errors.Is(err, license.ErrNotFound) {
		t.Errorf("B's admin scope on A: %v", err)
	}
}
