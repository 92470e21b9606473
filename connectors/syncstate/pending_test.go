package syncstate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

func planIDs(ps []syncstate.Pending) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID + ":" + p.Status
	}
	return out
}

func TestPendingLifecycle(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{Now: clk.Now})
	put := func(id, dep string) syncstate.Pending {
		t.Helper()
		p, err := s.PutPending(ctx, syncstate.Pending{ID: id, Deployment: dep, Removals: 25, Summary: "25 removals > limit 20",
			Plan: json.RawMessage(fmt.Sprintf(`{"deployment":%q,"removes":25}`, dep)),
			// A caller's status must not let a plan skip the approval.
			Status: syncstate.StatusApproved, DecidedBy: "mallory"})
		if err != nil {
			t.Fatalf("PutPending(%s): %v", id, err)
		}
		if p.Status != syncstate.StatusPending || p.DecidedBy != "" || p.Created.IsZero() {
			t.Fatalf("PutPending(%s) returned %+v; want pending, undecided, created set", id, p)
		}
		return p
	}
	a1 := put("a1", "a")
	b1 := put("b1", "b")
	a2 := put("a2", "a")

	old, err := s.GetPending(ctx, a1.ID)
	if err != nil || old.Status != syncstate.StatusSuperseded || old.SupersededBy != a2.ID || old.Decided.IsZero() {
		t.Errorf("a1 after a2 = %+v, %v; want superseded by a2", old, err)
	}
	if got, _ := s.GetPending(ctx, b1.ID); got.Status != syncstate.StatusPending {
		t.Errorf("a plan of deployment a superseded one of b: %+v", got)
	}

	listTests := []struct {
		dep     string
		decided bool
		want    []string
	}{
		{"", false, []string{"a2:pending", "b1:pending"}},
		{"a", false, []string{"a2:pending"}},
		{"a", true, []string{"a2:pending", "a1:superseded"}},
		{"", true, []string{"a2:pending", "b1:pending", "a1:superseded"}},
		{"zzz", true, []string{}},
	}
	for _, tt := range listTests {
		got, err := s.ListPending(ctx, tt.dep, tt.decided)
		if err != nil || !slices.Equal(planIDs(got), tt.want) {
			t.Errorf("ListPending(%q, %v) = %v, %v; want %v", tt.dep, tt.decided, planIDs(got), err, tt.want)
		}
	}

	if err := s.DecidePending(ctx, a2.ID, syncstate.StatusApproved, "alice@x.org"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetPending(ctx, a2.ID)
	if got.Status != syncstate.StatusApproved || got.DecidedBy != "alice@x.org" || got.Decided.IsZero() || string(got.Plan) != string(a2.Plan) {
		t.Errorf("a2 after approval = %+v", got)
	}
	if open, _ := s.ListPending(ctx, "", false); !slices.Equal(planIDs(open), []string{"b1:pending"}) {
		t.Errorf("open plans after approving a2 = %v", planIDs(open))
	}

	decideTests := []struct {
		name, id, status, by string
		notPending, invalid  bool
		notFound             bool
	}{
		{"approve twice", a2.ID, syncstate.StatusRejected, "bob", true, false, false},
		{"approve a superseded plan", a1.ID, syncstate.StatusApproved, "bob", true, false, false},
		{"unknown status", b1.ID, "maybe", "bob", false, true, false},
		{"back to pending", b1.ID, syncstate.StatusPending, "bob", false, true, false},
		{"nobody decided", b1.ID, syncstate.StatusRejected, "", false, true, false},
		{"unknown plan", "nope", syncstate.StatusRejected, "bob", false, false, true},
	}
	for _, tt := range decideTests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.GetPending(ctx, tt.id)
			err := s.DecidePending(ctx, tt.id, tt.status, tt.by)
			var de *syncstate.DecisionError
			switch {
			case tt.notPending && (!errors.As(err, &de) || !errors.Is(err, syncstate.ErrNotPending) || de.Status != before.Status || de.Requested != tt.status):
				t.Errorf("DecidePending = %v; want a DecisionError (status %s)", err, before.Status)
			case tt.invalid && !errors.Is(err, license.ErrInvalid):
				t.Errorf("DecidePending = %v; want invalid input", err)
			case tt.notFound && !errors.Is(err, syncstate.ErrNotFound):
				t.Errorf("DecidePending = %v; want ErrNotFound", err)
			}
			if after, _ := s.GetPending(ctx, tt.id); after.Status != before.Status || after.DecidedBy != before.DecidedBy {
				t.Errorf("a refused decision changed the plan: %+v → %+v", before, after)
			}
		})
	}

	if _, err := s.PutPending(ctx, syncstate.Pending{ID: a1.ID, Deployment: "a"}); !errors.Is(err, syncstate.ErrExists) {
		t.Errorf("PutPending with a used ID = %v; want ErrExists", err)
	}
	if _, err := s.PutPending(ctx, syncstate.Pending{Deployment: "a", Plan: json.RawMessage(`{"x":`)}); !errors.Is(err, license.ErrInvalid) {
		t.Errorf("PutPending with broken plan JSON = %v; want invalid", err)
	}
	gen, err := s.PutPending(ctx, syncstate.Pending{Deployment: "c"})
	if err != nil || gen.ID == "" {
		t.Fatalf("PutPending without an ID = %+v, %v; want an ID assigned", gen, err)
	}
	if got, err := s.GetPending(ctx, gen.ID); err != nil || got.Deployment != "c" {
		t.Errorf("GetPending(generated ID) = %+v, %v", got, err)
	}
}

func TestConcurrentApprovalsOneWins(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{})
	p, err := s.PutPending(ctx, syncstate.Pending{Deployment: "d", Removals: 30})
	if err != nil {
		t.Fatal(err)
	}
	const admins = 8
	errs := make([]error, admins)
	var wg sync.WaitGroup
	for i := range admins {
		wg.Go(func() { errs[i] = s.DecidePending(ctx, p.ID, syncstate.StatusApproved, fmt.Sprintf("admin%d", i)) })
	}
	wg.Wait()
	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !errors.Is(err, syncstate.ErrNotPending):
			t.Errorf("admin%d: %v", i, err)
		}
	}
	got, _ := s.GetPending(ctx, p.ID)
	if len(won) != 1 || got.DecidedBy != fmt.Sprintf("admin%d", won[0]) {
		t.Fatalf("winners %v, decided by %q; want exactly one, recorded", won, got.DecidedBy)
	}
}

func TestDecidedPlansBounded(t *testing.T) {
	ctx := t.Context()
	const limit, plans = 4, 11
	s := open(t, filepath.Join(t.TempDir(), "sync.db"), syncstate.Options{HistoryLimit: limit, Now: newClock().Now})
	var made []string
	for i := range plans {
		p, err := s.PutPending(ctx, syncstate.Pending{ID: fmt.Sprintf("p%02d", i), Deployment: "d"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, p.ID)
	}
	all, err := s.ListPending(ctx, "d", true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range all {
		got = append(got, p.ID)
	}
	want := slices.Clone(made[plans-limit:])
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("kept plans %v, want %v", got, want)
	}
	if _, err := s.GetPending(ctx, made[0]); !errors.Is(err, syncstate.ErrNotFound) {
		t.Errorf("GetPending of a trimmed plan = %v; want ErrNotFound", err)
	}
	if open, _ := s.ListPending(ctx, "d", false); len(open) != 1 || open[0].ID != made[plans-1] {
		t.Errorf("open plans = %v; want only the newest", planIDs(open))
	}
}
