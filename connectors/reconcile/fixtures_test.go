package reconcile

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// errUpstream is what the paged test source fails with.
var errUpstream = errors.New("upstream: 503 service unavailable")

// pagedSource is a Connector over fixed pages, with fault switches.
type pagedSource struct {
	pages  [][]connectors.Person
	failOn int // 1-based page that fails instead of being emitted; 0: none
}

func (s *pagedSource) Fetch(ctx context.Context, _ connectors.Selection, emit func([]connectors.Person) error) error {
	for i, page := range s.pages {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.failOn == i+1 {
			return fmt.Errorf("page %d of %d: %w", i+1, len(s.pages), errUpstream)
		}
		if err := emit(page); err != nil {
			return err
		}
	}
	return nil
}

// paged splits people into pages of size n.
func paged(people []connectors.Person, n int) *pagedSource {
	s := &pagedSource{}
	for len(people) > 0 {
		k := min(n, len(people))
		s.pages = append(s.pages, people[:k])
		people = people[k:]
	}
	return s
}

// roster makes n people p<from>..p<from+n-1>@school.example.org with the role.
func roster(from, n int, role license.Role) []connectors.Person {
	out := make([]connectors.Person, n)
	for i := range out {
		k := from + i
		out[i] = connectors.Person{
			ExternalID: fmt.Sprintf("id-%04d", k),
			Email:      fmt.Sprintf("p%04d@school.example.org", k),
			Name:       fmt.Sprintf("Pupil %d", k),
			Role:       role,
			OrgUnit:    "/Students",
		}
	}
	return out
}

var testNow = time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)

func openStore(t testing.TB) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "r.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func createLicense(t testing.TB, s license.Store, id string, seats int, expires time.Time) {
	t.Helper()
	_, err := s.CreateLicense(context.Background(), license.License{
		ID: id, Name: "Test " + id, Type: license.TypeDistrict, Seats: seats,
		Created: testNow.AddDate(-1, 0, 0), Expires: expires,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func deployment(licenseID, name string) connectors.Deployment {
	return connectors.Deployment{
		Name: name, Connector: "static", License: licenseID,
		DeletionLimit: connectors.DefaultDeletionLimit,
	}
}

// upsert writes claims of source directly, as another writer (an admin, a
// CSV import, another deployment) would.
func upsert(t testing.TB, s license.Store, licenseID string, src license.Source, emails ...string) {
	t.Helper()
	changes := make([]license.Change, len(emails))
	for i, e := range emails {
		changes[i] = license.Change{Op: license.OpUpsert, Email: e, Source: src, Name: "Typed " + e, Role: license.RoleOther}
	}
	if _, err := s.Apply(context.Background(), licenseID, changes, license.ApplyOptions{Actor: "test", Now: testNow}); err != nil {
		t.Fatal(err)
	}
}

// syncOnce runs Collect, Build and Apply.
func syncOnce(t testing.TB, s license.Store, d connectors.Deployment, c connectors.Connector) (*Plan, Result) {
	t.Helper()
	ctx := context.Background()
	snap, err := Collect(ctx, c, d.Selection)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	p, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	res, err := Apply(ctx, s, p, ApplyOptions{Actor: "test", Now: testNow})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return p, res
}

// claimsOf reads what src claims on a license, as Persons in email order.
func claimsOf(t testing.TB, s license.Store, licenseID string, src license.Source) []Person {
	t.Helper()
	var out []Person
	err := s.Claims(context.Background(), licenseID, src, func(m *license.Member) error {
		out = append(out, claimPerson(m.Email, m.Claim(src)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// members reads every member of a license with all claims, in email order.
func members(t testing.TB, s license.Store, licenseID string) []license.Member {
	t.Helper()
	var out []license.Member
	opts := license.ListOptions{Limit: 1000}
	for {
		page, err := s.ListMembers(context.Background(), licenseID, opts)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Members...)
		if page.Next == "" {
			return out
		}
		opts.Cursor = page.Next
	}
}

func emailsOf(ps []Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Email
	}
	return out
}

func overflowEmails(os []license.Overflow) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Email
	}
	return out
}

func guardNames(gs []Guard) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	slices.Sort(out)
	return out
}

func emailsOfRoster(ps []connectors.Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strings.ToLower(strings.TrimSpace(p.Email))
	}
	slices.Sort(out)
	return out
}
