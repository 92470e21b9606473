package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// rosterFixture puts n members with varied names (including case-only
// differences, duplicates and blanks), roles, org units, sources and added
// times on license id.
func rosterFixture(t *testing.T, s license.Store, id string, n int) {
	t.Helper()
	first := []string{"Thomas", "ann", "Ann", "", "Zoë", "bob", "Émile", "thomas", "Li"}
	last := []string{"Smith", "Nguyen", "", "O'Neil", "Thomason"}
	roles := []license.Role{license.RoleStudent, license.RoleTeacher, license.RoleOther, ""}
	ous := []string{"/Students/9", "", "/Staff", "/Students/10"}
	sources := []license.Source{dir, license.SourceManual, license.CSVSource("c1"), license.DeploymentSource("canvas", "d1")}
	for day := 0; day < 4; day++ {
		var changes []license.Change
		for i := day; i < n; i += 4 {
			name := strings.TrimSpace(first[i%len(first)] + " " + last[(i/3)%len(last)])
			email := fmt.Sprintf("u%03d.%s@x%d.org", (i*37)%n, (strings.ToLower(last[i%len(last)]) + "qq")[:2], i%3)
			email = strings.ReplaceAll(email, "'", "")
			changes = append(changes, license.Change{Op: license.OpUpsert, Email: email, Source: sources[i%len(sources)],
				Name: name, Role: roles[i%len(roles)], OrgUnit: ous[(i/2)%len(ous)]})
			if i%5 == 0 {
				changes = append(changes, up(email, sources[(i+1)%len(sources)], license.RoleStudent, ""))
			}
		}
		apply(t, s, id, at(day%3), changes...) // days repeat: ties in added
	}
}

func (h *harness) testListSorts(t *testing.T) {
	s := h.store(t)
	createLicense(t, s, "list", 1000)
	rosterFixture(t, s, "list", 61)
	all := allMembers(t, s, "list")
	if len(all) != 61 {
		t.Fatalf("fixture has %d members, want 61", len(all))
	}
	if !slices.IsSortedFunc(all, compareMembers(license.SortEmail, false)) {
		t.Fatalf("default order is not by email: %v", emails(all))
	}
	thomas := filterFunc(func(m *license.Member) bool {
		return strings.Contains(strings.ToLower(m.Name), "thomas") || m.Role == license.RoleOther
	})
	for _, field := range license.SortFields {
		for _, desc := range []bool{false, true} {
			for _, limit := range []int{0, 1, 7, 1000} {
				for _, filter := range []license.Filter{nil, thomas} {
					name := fmt.Sprintf("%s/desc=%v/limit=%d/filter=%v", field, desc, limit, filter != nil)
					t.Run(name, func(t *testing.T) {
						var want []license.Member
						for _, m := range all {
							if filter == nil || filter.Match(&m) {
								want = append(want, m)
							}
						}
						slices.SortFunc(want, compareMembers(field, desc))
						got := listAll(t, s, "list", license.ListOptions{Sort: field, Desc: desc, Limit: limit, Filter: filter})
						if filter != nil && (len(want) == 0 || len(want) == len(all)) {
							t.Fatalf("fixture makes the filter useless: %d of %d match", len(want), len(all))
						}
						if !slices.Equal(emails(got), emails(want)) {
							t.Fatalf("order\n got %v\nwant %v", emails(got), emails(want))
						}
						sameMembers(t, "listed members", got, want)
					})
				}
			}
		}
	}
}

func (h *harness) testListLimits(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "big", 2000)
	var changes []license.Change
	for i := range 1005 {
		changes = append(changes, up(fmt.Sprintf("m%04d@x.org", i), dir, "", fmt.Sprintf("Name %d", 1005-i)))
	}
	apply(t, s, "big", at(0), changes...)
	for _, tt := range []struct{ limit, want int }{{0, 50}, {1, 1}, {999, 999}, {1000, 1000}, {1001, 1000}, {100000, 1000}} {
		for _, field := range []license.SortField{license.SortEmail, license.SortName, license.SortRole} {
			p, err := s.ListMembers(ctx, "big", license.ListOptions{Limit: tt.limit, Sort: field})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Members) != tt.want || p.Next == "" {
				t.Fatalf("Limit %d sorted by %s: %d members, next %q; want %d and a next cursor", tt.limit, field, len(p.Members), p.Next, tt.want)
			}
		}
	}
	// The last page says so.
	p, err := s.ListMembers(ctx, "big", license.ListOptions{Limit: 5, Desc: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err = s.ListMembers(ctx, "big", license.ListOptions{Limit: 1000, Cursor: p.Next, Desc: true})
	if err != nil || len(p.Members) != 1000 || p.Next != "" {
		t.Fatalf("last page: %d members, next %q, %v; want 1000 and no cursor", len(p.Members), p.Next, err)
	}
}

func (h *harness) testListErrors(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "e", 10)
	apply(t, s, "e", at(0), up("a@x.org", dir, "", "A"), up("b@x.org", dir, "", "B"))
	if _, err := s.ListMembers(ctx, "nope", license.ListOptions{}); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("ListMembers of an unknown license: %v, want ErrNotFound", err)
	}
	for _, cur := range []string{"%%% not a cursor %%%", "!", "\x00\xff"} {
		for _, field := range license.SortFields {
			_, err := s.ListMembers(ctx, "e", license.ListOptions{Sort: field, Cursor: cur})
			if !errors.Is(err, license.ErrInvalid) {
				t.Fatalf("ListMembers sorted by %s with cursor %q: %v, want ErrInvalid", field, cur, err)
			}
		}
	}
	if _, err := s.ListMembers(ctx, "e", license.ListOptions{Sort: "shoe size"}); !errors.Is(err, license.ErrInvalid) {
		t.Fatalf("ListMembers with an unknown sort: %v, want ErrInvalid", err)
	}
	// Empty license: an empty page, not an error.
	createLicense(t, s, "empty", 10)
	p, err := s.ListMembers(ctx, "empty", license.ListOptions{Sort: license.SortName})
	if err != nil || len(p.Members) != 0 || p.Next != "" {
		t.Fatalf("empty license: %+v, %v", p, err)
	}
}

func (h *harness) testClaims(t *testing.T) {
	ctx := context.Background()
	s := h.store(t)
	createLicense(t, s, "c", 100)
	createLicense(t, s, "other", 100)
	canvas := license.DeploymentSource("canvas", "d1")
	dirX := license.Source(string(dir) + "x") // shares a prefix with dir
	var changes []license.Change
	want := map[license.Source][]string{}
	for i := range 40 {
		email := fmt.Sprintf("p%02d@x.org", (i*7)%40)
		for j, src := range []license.Source{dir, canvas, license.SourceManual, dirX} {
			if (i+j)%(j+2) == 0 {
				changes = append(changes, up(email, src, "", ""))
				want[src] = append(want[src], email)
			}
		}
	}
	apply(t, s, "c", at(0), changes...)
	apply(t, s, "other", at(0), up("p01@x.org", dir, "", ""), up("zz@x.org", dir, "", ""))
	// Remove some of dir's claims; they must no longer be listed.
	var removes []license.Change
	for _, e := range want[dir][:3] {
		removes = append(removes, rm(e, dir))
	}
	want[dir] = want[dir][3:]
	apply(t, s, "c", at(1), removes...)

	for _, src := range []license.Source{dir, canvas, license.SourceManual, dirX, license.CSVSource("none")} {
		var got []string
		err := s.Claims(ctx, "c", src, func(m *license.Member) error {
			if m.Claim(src) == nil {
				t.Fatalf("Claims(%s) gave %s, who has no such claim", src, m.Email)
			}
			got = append(got, m.Email)
			return nil
		})
		if err != nil {
			t.Fatalf("Claims(%s): %v", src, err)
		}
		w := slices.Clone(want[src])
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Fatalf("Claims(%s) = %v, want %v", src, got, w)
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := s.Claims(ctx, "c", dir, func(*license.Member) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("Claims with fn failing: %v after %d calls, want stop after 1", err, n)
	}
	if err := s.Claims(ctx, "c", "bogus", func(*license.Member) error { return nil }); !errors.Is(err, license.ErrInvalid) {
		t.Fatalf("Claims of a bad source: %v, want ErrInvalid", err)
	}
	if err := s.Claims(ctx, "nope", dir, func(*license.Member) error { return nil }); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("Claims of an unknown license: %v, want ErrNotFound", err)
	}
}
