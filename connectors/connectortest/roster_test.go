package connectortest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// GenerateRoster keeps the promises the suite's cases rest on, for any seed.
func TestGenerateRoster(t *testing.T) {
	cases := []struct {
		seed          int64
		people, units int
	}{{1, 50, 1}, {2, 300, 6}, {-7, 1000, 40}}
	for _, tc := range cases {
		r := GenerateRoster(tc.seed, tc.people, tc.units)
		if again := GenerateRoster(tc.seed, tc.people, tc.units); !reflect.DeepEqual(r, again) {
			t.Errorf("seed %d: two rosters differ", tc.seed)
		}
		status := map[Status]int{}
		emails := map[string]bool{}
		noEmail, mixed, overlap := 0, 0, 0
		for _, p := range r.People {
			status[p.Status]++
			if p.Status == StatusActive && len(p.Units) == 0 {
				t.Errorf("seed %d: active %s is in no unit", tc.seed, p.ID)
			}
			units := map[string]bool{}
			roles := map[license.Role]bool{}
			for _, m := range p.Units {
				if units[m.Unit] {
					t.Errorf("seed %d: %s twice in unit %s", tc.seed, p.ID, m.Unit)
				}
				units[m.Unit], roles[m.Role] = true, true
			}
			if p.Status != StatusActive {
				continue
			}
			switch {
			case p.Email == "":
				noEmail++
			case p.Email != strings.ToLower(p.Email):
				mixed++
			}
			if e := strings.ToLower(p.Email); e != "" && emails[e] {
				t.Errorf("seed %d: email %s twice", tc.seed, e)
			} else {
				emails[e] = true
			}
			if len(roles) > 1 {
				overlap++
			}
		}
		for _, s := range []Status{StatusActive, StatusInactive, StatusDeleted, StatusSuspended} {
			if status[s] == 0 {
				t.Errorf("seed %d: nobody %s", tc.seed, s)
			}
		}
		if noEmail == 0 || mixed == 0 || (tc.units > 1 && overlap == 0) {
			t.Errorf("seed %d: %d active without email, %d mixed case, %d teacher and student", tc.seed, noEmail, mixed, overlap)
		}
		one := r.OneUnitEach().WithEmails()
		for _, p := range one.People {
			if len(p.Units) > 1 || p.Email == "" {
				t.Errorf("seed %d: OneUnitEach/WithEmails left %+v", tc.seed, p)
			}
		}
		if len(r.People[13].Email) != 0 {
			t.Errorf("seed %d: WithEmails changed the original roster", tc.seed)
		}
	}
}
