package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// heldSync seeds 100 claims, then syncs a source where 40 left and 3 joined:
// the removals are held. It returns the pending plan after a JSON round
// trip, as the sync state would store and load it.
func heldSync(t *testing.T, s license.Store, d connectors.Deployment) *Plan {
	t.Helper()
	syncOnce(t, s, d, paged(roster(0, 100, ""), 30))
	p, res := syncOnce(t, s, d, paged(append(roster(40, 60, ""), roster(300, 3, "")...), 30))
	if !p.Held || res.Held != 40 || res.ClaimsRemoved != 0 || res.MembersAdded != 3 {
		t.Fatalf("want 40 held removals and 3 adds applied: held %v, result %+v", p.Held, res)
	}
	pending := p.Pending()
	if pending == nil || len(pending.Removes) != 40 || len(pending.Adds)+len(pending.Updates) != 0 || !pending.Held {
		t.Fatalf("pending plan %+v", pending)
	}
	var buf bytes.Buffer
	if err := pending.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var loaded Plan
	if err := json.Unmarshal(buf.Bytes(), &loaded); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&loaded, pending) {
		t.Fatalf("pending plan changed in a JSON round trip:\n got %+v\nwant %+v", &loaded, pending)
	}
	return &loaded
}

func TestApprove(t *testing.T) {
	tests := []struct {
		name string
		// moveStore changes the store between the held sync and approval.
		moveStore func(t *testing.T, s license.Store, d connectors.Deployment)
		wantStale bool
	}{
		{name: "unchanged store: removals apply"},
		{
			name: "other sources moving does not make it stale",
			moveStore: func(t *testing.T, s license.Store, d connectors.Deployment) {
				upsert(t, s, "lic", license.SourceManual, "p0001@school.example.org", "x@school.example.org")
			},
		},
		{
			name: "the deployment's claims moved: stale",
			moveStore: func(t *testing.T, s license.Store, d connectors.Deployment) {
				upsert(t, s, "lic", d.Source(), "late@school.example.org")
			},
			wantStale: true,
		},
		{
			name: "a claim's attributes moved: stale",
			moveStore: func(t *testing.T, s license.Store, d connectors.Deployment) {
				upsert(t, s, "lic", d.Source(), "p0050@school.example.org")
			},
			wantStale: true,
		},
		{
			name: "a held removal already happened: stale",
			moveStore: func(t *testing.T, s license.Store, d connectors.Deployment) {
				_, err := s.Apply(context.Background(), "lic", []license.Change{{Op: license.OpRemove, Email: "p0000@school.example.org", Source: d.Source()}}, license.ApplyOptions{})
				if err != nil {
					t.Fatal(err)
				}
			},
			wantStale: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t)
			createLicense(t, s, "lic", 1000, time.Time{})
			d := deployment("lic", "hs")
			pending := heldSync(t, s, d)
			if tt.moveStore != nil {
				tt.moveStore(t, s, d)
			}
			before := members(t, s, "lic")
			res, err := Approve(ctx, s, pending, ApplyOptions{Actor: "admin@school.example.org", Now: testNow})
			if tt.wantStale {
				if !errors.Is(err, ErrStale) {
					t.Fatalf("approve: %v, want ErrStale", err)
				}
				if res.Changed() || !reflect.DeepEqual(members(t, s, "lic"), before) {
					t.Fatalf("a stale approval changed the store")
				}
				// The engine re-plans: the fresh plan is held again, and
				// approving its pending plan works.
				p, _ := syncOnce(t, s, d, paged(append(roster(40, 60, ""), roster(300, 3, "")...), 30))
				again := p.Pending()
				if again == nil {
					t.Fatalf("re-plan holds nothing: %+v", p.Counts)
				}
				if _, err := Approve(ctx, s, again, ApplyOptions{Now: testNow}); err != nil {
					t.Fatalf("approve re-planned: %v", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if res.ClaimsRemoved != 40 {
					t.Errorf("removed %d claims, want 40", res.ClaimsRemoved)
				}
			}
			want := emailsOfRoster(append(roster(40, 60, ""), roster(300, 3, "")...))
			if tt.name == "the deployment's claims moved: stale" {
				// late@ stays claimed: the source never said it, but only a
				// sync would remove it, and the re-plan's removal of one
				// claim is within the limit.
				want = emailsOfRoster(append(roster(40, 60, ""), roster(300, 3, "")...))
			}
			got := emailsOf(claimsOf(t, s, "lic", d.Source()))
			if !tt.wantStale && !slices.Equal(got, want) {
				t.Errorf("claims after approval:\n got %v\nwant %v", got, want)
			}
			if tt.wantStale {
				// After the re-plan and its approval the deployment matches the
				// source, except what the re-plan itself removed already.
				if len(got) > len(want)+1 {
					t.Errorf("claims after re-plan %d, want about %d", len(got), len(want))
				}
			}
		})
	}
}

func TestApproveRejectsNonPendingPlan(t *testing.T) {
	s := openStore(t)
	createLicense(t, s, "lic", 1000, time.Time{})
	p := &Plan{License: "lic", Source: "static/hs", Adds: []Person{{Email: "a@school.example.org", Role: license.RoleStudent}}}
	if _, err := Approve(context.Background(), s, p, ApplyOptions{}); err == nil || errors.Is(err, ErrStale) {
		t.Fatalf("approve of a plan with adds: %v", err)
	}
	if got := claimsOf(t, s, "lic", "static/hs"); len(got) != 0 {
		t.Errorf("claims written: %v", got)
	}
}

func TestPendingIsNilWhenNothingHeld(t *testing.T) {
	s := openStore(t)
	createLicense(t, s, "lic", 1000, time.Time{})
	d := deployment("lic", "hs")
	syncOnce(t, s, d, paged(roster(0, 30, ""), 10))
	p, _ := syncOnce(t, s, d, paged(roster(0, 25, ""), 10))
	if p.Held || p.Pending() != nil {
		t.Fatalf("held %v pending %v for 5 removals under the limit", p.Held, p.Pending())
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic", 8, time.Time{})
	d := deployment("lic", "hs")
	syncOnce(t, s, d, paged(roster(0, 5, ""), 10))
	src := append(roster(1, 6, ""), connectors.Person{Email: "bad"})
	src[0].Attrs = map[string]string{"b": "2", "a": "1"}
	src[1].Role = license.RoleTeacher
	snap, err := Collect(ctx, paged(src, 3), d.Selection)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var one, two bytes.Buffer
	if err := p.WriteJSON(&one); err != nil {
		t.Fatal(err)
	}
	var back Plan
	if err := json.Unmarshal(one.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if err := back.WriteJSON(&two); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Errorf("JSON not stable across a round trip:\n%s\n%s", one.Bytes(), two.Bytes())
	}
	p.pendingBasis = ""
	if !reflect.DeepEqual(&back, p) {
		t.Errorf("plan changed in a round trip:\n got %+v\nwant %+v", &back, p)
	}
	// A plan read back applies like the original.
	res, err := Apply(ctx, s, &back, ApplyOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	// p0001 gains attrs, p0002 becomes a teacher, p0000 left, p0005-6 joined.
	if res.ClaimsUpdated != 2 || res.ClaimsRemoved != 1 || res.MembersAdded != 2 {
		t.Errorf("result %+v", res)
	}
}

func TestApplyBatches(t *testing.T) {
	for _, size := range []int{1, 7, 1000} {
		s := openStore(t)
		createLicense(t, s, "lic", 30, time.Time{})
		d := deployment("lic", "hs")
		people := append(roster(0, 40, license.RoleStudent), roster(100, 5, license.RoleTeacher)...)
		snap, err := Collect(context.Background(), paged(people, 9), d.Selection)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Build(context.Background(), s, d, snap, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		// Drop the prediction: the store must fill seats in its own order
		// across batches, teachers first.
		for _, o := range p.Overflow {
			p.Adds = append(p.Adds, Person{Email: o.Email, Role: o.Role})
		}
		p.Overflow = nil
		res, err := Apply(context.Background(), s, p, ApplyOptions{BatchSize: size, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if res.MembersAdded != 30 || len(res.Overflow) != 15 {
			t.Errorf("batch %d: added %d overflow %d, want 30 and 15", size, res.MembersAdded, len(res.Overflow))
		}
		for _, o := range res.Overflow {
			if o.Role == license.RoleTeacher {
				t.Errorf("batch %d: teacher %s overflowed before students", size, o.Email)
			}
		}
	}
}
