package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Opener opens the backend on dir. Called again with the same dir after the
// store was closed, it must find the same data. Run closes every store it
// opens.
type Opener = func(t *testing.T, dir string) license.Store

// Run runs the whole suite against the backend that open builds.
func Run(t *testing.T, open func(t *testing.T, dir string) license.Store) {
	h := &harness{open: open}
	t.Run("Licenses", h.testLicenses)
	t.Run("LicenseValidation", h.testLicenseValidation)
	t.Run("UpdateLicense", h.testUpdateLicense)
	t.Run("DeleteLicense", h.testDeleteLicense)
	t.Run("LicenseByKey", h.testLicenseByKey)
	t.Run("ApplyInvalid", h.testApplyInvalid)
	t.Run("ClaimsUnion", h.testClaimsUnion)
	t.Run("UpdateAttributes", h.testUpdateAttributes)
	t.Run("UnchangedWritesNothing", h.testUnchanged)
	t.Run("SeatOrder", h.testSeatOrder)
	t.Run("SeatsFreedAndReused", h.testSeatsFreed)
	t.Run("AllOrNothingSeats", h.testAllOrNothing)
	t.Run("Atomic", h.testAtomic)
	t.Run("Expired", h.testExpired)
	t.Run("Resolve", h.testResolve)
	t.Run("ListMembersSorts", h.testListSorts)
	t.Run("ListMembersLimits", h.testListLimits)
	t.Run("ListMembersErrors", h.testListErrors)
	t.Run("Claims", h.testClaims)
	t.Run("SourceClaims", h.testSourceClaims)
	t.Run("Events", h.testEvents)
	t.Run("Entitlement", h.testEntitlement)
	t.Run("Leaving", h.testLeaving)
	t.Run("Outbox", h.testOutbox)
	t.Run("DomainAdmins", h.testDomainAdmins)
	t.Run("Concurrency", h.testConcurrency)
	t.Run("Reopen", h.testReopen)
	t.Run("Properties", h.testProperties)
}

type harness struct {
	open Opener
}

// store opens a fresh backend in its own directory.
func (h *harness) store(t *testing.T) license.Store {
	t.Helper()
	s, _ := h.storeIn(t, t.TempDir())
	return s
}

func (h *harness) storeIn(t *testing.T, dir string) (license.Store, string) {
	t.Helper()
	s := h.open(t, dir)
	t.Cleanup(func() { _ = s.Close() })
	return s, dir
}

// t0 is the suite's epoch; tests move time forward from it.
var t0 = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

func at(days int) time.Time { return t0.Add(time.Duration(days) * 24 * time.Hour) }

// createLicense makes a license with the given seats, failing the test on error.
func createLicense(t *testing.T, s license.Store, id string, seats int, mod ...func(*license.License)) license.License {
	t.Helper()
	l := license.License{ID: id, Name: "License " + id, Type: license.TypeSchool, Seats: seats, Created: t0.Add(-time.Hour)}
	for _, f := range mod {
		f(&l)
	}
	got, err := s.CreateLicense(context.Background(), l)
	if err != nil {
		t.Fatalf("CreateLicense(%s): %v", id, err)
	}
	return got
}

func up(email string, src license.Source, role license.Role, name string) license.Change {
	return license.Change{Op: license.OpUpsert, Email: email, Source: src, Role: role, Name: name}
}

func rm(email string, src license.Source) license.Change {
	return license.Change{Op: license.OpRemove, Email: email, Source: src}
}

func apply(t *testing.T, s license.Store, id string, now time.Time, changes ...license.Change) license.ApplyResult {
	t.Helper()
	r, err := s.Apply(context.Background(), id, changes, license.ApplyOptions{Actor: "storetest", Now: now})
	if err != nil {
		t.Fatalf("Apply to %s: %v", id, err)
	}
	return r
}

func getLicense(t *testing.T, s license.Store, id string) license.License {
	t.Helper()
	l, err := s.GetLicense(context.Background(), id)
	if err != nil {
		t.Fatalf("GetLicense(%s): %v", id, err)
	}
	return l
}

// allMembers pages through every member in email order.
func allMembers(t *testing.T, s license.Store, id string) []license.Member {
	t.Helper()
	return listAll(t, s, id, license.ListOptions{Limit: 1000})
}

func listAll(t *testing.T, s license.Store, id string, opts license.ListOptions) []license.Member {
	t.Helper()
	var out []license.Member
	for pages := 0; ; pages++ {
		if pages > 100000 {
			t.Fatalf("ListMembers(%s) never ends", id)
		}
		p, err := s.ListMembers(context.Background(), id, opts)
		if err != nil {
			t.Fatalf("ListMembers(%s, %+v): %v", id, opts, err)
		}
		limit := opts.Limit
		if limit == 0 {
			limit = 50
		}
		if len(p.Members) > limit {
			t.Fatalf("ListMembers(%s) returned %d members, limit %d", id, len(p.Members), limit)
		}
		out = append(out, p.Members...)
		if p.Next == "" {
			return out
		}
		if len(p.Members) == 0 {
			t.Fatalf("ListMembers(%s) returned an empty page with a next cursor", id)
		}
		opts.Cursor = p.Next
	}
}

func events(t *testing.T, s license.Store, id string, q license.EventQuery) []license.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), id, q)
	if err != nil {
		t.Fatalf("Events(%s, %+v): %v", id, q, err)
	}
	return evs
}

func emails(ms []license.Member) []string {
	out := make([]string, len(ms))
	for i := range ms {
		out[i] = ms[i].Email
	}
	return out
}

// wantField checks err is ErrInvalid naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if !errors.Is(err, license.ErrInvalid) {
		t.Fatalf("error = %v, want ErrInvalid naming %q", err, field)
	}
	var fe *license.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v: no FieldError to name the field %q", err, field)
	}
	if fe.Field != field {
		t.Fatalf("error = %v names field %q, want %q", err, fe.Field, field)
	}
}

// sameMember reports how two members differ, or "".
func sameMember(a, b license.Member) string {
	switch {
	case a.Email != b.Email:
		return fmt.Sprintf("email %q vs %q", a.Email, b.Email)
	case a.Name != b.Name, a.Role != b.Role, a.OrgUnit != b.OrgUnit:
		return fmt.Sprintf("%s: name/role/org unit %q/%s/%q vs %q/%s/%q", a.Email, a.Name, a.Role, a.OrgUnit, b.Name, b.Role, b.OrgUnit)
	case !a.Added.Equal(b.Added):
		return fmt.Sprintf("%s: added %s vs %s", a.Email, a.Added, b.Added)
	case len(a.Claims) != len(b.Claims):
		return fmt.Sprintf("%s: %d claims vs %d", a.Email, len(a.Claims), len(b.Claims))
	}
	for i := range a.Claims {
		ca, cb := &a.Claims[i], &b.Claims[i]
		if ca.Source != cb.Source || !ca.SameAttributes(cb) || !ca.FirstSeen.Equal(cb.FirstSeen) || !ca.LastSeen.Equal(cb.LastSeen) {
			return fmt.Sprintf("%s: claim %d %+v vs %+v", a.Email, i, *ca, *cb)
		}
	}
	return ""
}

func sameMembers(t *testing.T, what string, got, want []license.Member) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d members %v, want %d %v", what, len(got), emails(got), len(want), emails(want))
	}
	for i := range got {
		if d := sameMember(got[i], want[i]); d != "" {
			t.Fatalf("%s: member %d differs: %s", what, i, d)
		}
	}
}

// filterFunc is the suite's own license.Filter.
type filterFunc func(*license.Member) bool

func (f filterFunc) Match(m *license.Member) bool { return f(m) }

// compareMembers is the order ListMembers promises (see the package doc).
func compareMembers(f license.SortField, desc bool) func(a, b license.Member) int {
	return func(a, b license.Member) int {
		var c int
		switch f {
		case license.SortName:
			c = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		case license.SortRole:
			c = strings.Compare(string(a.Role), string(b.Role))
		case license.SortOrgUnit:
			c = strings.Compare(a.OrgUnit, b.OrgUnit)
		case license.SortAdded:
			c = a.Added.Compare(b.Added)
		case license.SortSource:
			c = strings.Compare(firstSource(a), firstSource(b))
		}
		if c == 0 {
			c = strings.Compare(a.Email, b.Email)
		}
		if desc {
			c = -c
		}
		return c
	}
}

func firstSource(m license.Member) string {
	srcs := m.Sources()
	if len(srcs) == 0 {
		return ""
	}
	return string(slices.Min(srcs))
}
