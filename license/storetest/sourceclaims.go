package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// sourceClaimLines renders, one line per claim of src on license id, what
// Claims gives (the member's claim, and whether it is the only one) and
// what SourceClaims gives, for comparison.
func sourceClaimLines(t *testing.T, s license.Store, id string, src license.Source) (fromClaims, fromSource []string) {
	t.Helper()
	ctx := context.Background()
	if err := s.Claims(ctx, id, src, func(m *license.Member) error {
		c := m.Claim(src)
		if c == nil {
			t.Fatalf("Claims(%s) gave %s, who has no such claim", src, m.Email)
		}
		fromClaims = append(fromClaims, fmt.Sprintf("%s %+v sole=%v", m.Email, *c, len(m.Claims) == 1))
		return nil
	}); err != nil {
		t.Fatalf("Claims(%s, %s): %v", id, src, err)
	}
	if err := s.SourceClaims(ctx, id, src, func(email string, c *license.Claim, sole bool) error {
		fromSource = append(fromSource, fmt.Sprintf("%s %+v sole=%v", email, *c, sole))
		return nil
	}); err != nil {
		t.Fatalf("SourceClaims(%s, %s): %v", id, src, err)
	}
	return fromClaims, fromSource
}

// testSourceClaims checks that SourceClaims lists, for every source, the
// same claims in the same order as Claims, with sole right, as claims are
// added, updated (including a member gaining and losing other claims) and
// removed, and after the store is reopened.
func (h *harness) testSourceClaims(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir()
	s := h.open(t, path)
	defer func() { _ = s.Close() }()
	createLicense(t, s, "sc", 200)
	createLicense(t, s, "other", 200)
	canvas := license.DeploymentSource("canvas", "d1")
	dirX := license.Source(string(dir) + "x") // shares a prefix with dir
	csv := license.CSVSource("u1")
	sources := []license.Source{dir, canvas, license.SourceManual, dirX, csv}
	email := func(i int) string { return fmt.Sprintf("p%02d@x.org", i) }
	// model: the emails each source claims on "sc".
	model := map[license.Source]map[string]bool{}
	for _, src := range sources {
		model[src] = map[string]bool{}
	}
	upsert := func(i int, src license.Source, name string, attrs map[string]string) license.Change {
		model[src][email(i)] = true
		return license.Change{Op: license.OpUpsert, Email: email(i), Source: src, Name: name,
			Role: license.Roles[i%len(license.Roles)], OrgUnit: fmt.Sprintf("/ou%d", i%3), ExternalID: fmt.Sprint(i), Attrs: attrs}
	}
	remove := func(i int, src license.Source) license.Change {
		delete(model[src], email(i))
		return rm(email(i), src)
	}

	steps := []struct {
		name    string
		changes func() []license.Change
		reopen  bool
	}{
		{"adds", func() []license.Change {
			var cs []license.Change
			for i := range 40 {
				for j, src := range sources {
					if (i+j)%(j+2) == 0 {
						cs = append(cs, upsert(i, src, fmt.Sprintf("Person %d", i), map[string]string{"grade": fmt.Sprint(i % 4)}))
					}
				}
			}
			return cs
		}, false},
		{"updates and new claims on existing members", func() []license.Change {
			var cs []license.Change
			for i := 0; i < 40; i += 3 {
				if model[dir][email(i)] {
					cs = append(cs, upsert(i, dir, fmt.Sprintf("Renamed %d", i), map[string]string{"grade": "9", "new": "y"}))
				} else {
					cs = append(cs, upsert(i, dir, "", nil)) // another claim for a member, or a new member
				}
			}
			return cs
		}, false},
		{"removes", func() []license.Change {
			var cs []license.Change
			for i := 0; i < 40; i += 2 {
				for _, src := range []license.Source{dir, canvas} {
					if model[src][email(i)] {
						cs = append(cs, remove(i, src)) // leaves members sole, or removes them
					}
				}
			}
			return cs
		}, false},
		{"reopen", nil, true},
	}
	// Another license with claims of the same sources must not leak in.
	apply(t, s, "other", at(0), up(email(1), dir, "", "Elsewhere"), up("zz@x.org", dir, "", ""), up(email(2), canvas, "", ""))
	for n, st := range steps {
		if st.changes != nil {
			apply(t, s, "sc", at(n), st.changes()...)
		}
		if st.reopen {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s = h.open(t, path)
		}
		for _, src := range append(sources, license.CSVSource("none")) {
			fromClaims, fromSource := sourceClaimLines(t, s, "sc", src)
			if !slices.Equal(fromSource, fromClaims) {
				t.Fatalf("after %s, source %s:\nSourceClaims %q\nClaims       %q", st.name, src, fromSource, fromClaims)
			}
			var emails []string
			if err := s.SourceClaims(ctx, "sc", src, func(e string, c *license.Claim, _ bool) error {
				if c.Source != src {
					return fmt.Errorf("claim of %s has source %s", e, c.Source)
				}
				emails = append(emails, e)
				return nil
			}); err != nil {
				t.Fatalf("after %s, SourceClaims(%s): %v", st.name, src, err)
			}
			if want := slices.Sorted(maps.Keys(model[src])); !slices.Equal(emails, want) {
				t.Fatalf("after %s, SourceClaims(%s) listed %v, want %v", st.name, src, emails, want)
			}
		}
	}

	stop := errors.New("stop")
	n := 0
	if err := s.SourceClaims(ctx, "sc", canvas, func(string, *license.Claim, bool) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("SourceClaims with fn failing: %v after %d calls, want stop after 1", err, n)
	}
	none := func(string, *license.Claim, bool) error { return nil }
	if err := s.SourceClaims(ctx, "sc", "bogus", none); !errors.Is(err, license.ErrInvalid) {
		t.Fatalf("SourceClaims of a bad source: %v, want ErrInvalid", err)
	}
	if err := s.SourceClaims(ctx, "nope", dir, none); !errors.Is(err, license.ErrNotFound) {
		t.Fatalf("SourceClaims of an unknown license: %v, want ErrNotFound", err)
	}
}
