package connectortest

import (
	"context"
	"fmt"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// instanceName is the connector instance name every Setup is given.
const instanceName = "conformance-district"

// Run runs the conformance suite against h. Each case sets up its own fake.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Setup == nil {
		t.Fatal("connectortest: Harness.Setup is nil")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
		skip func(h Harness) bool
	}{
		{"Paging", testPaging, nil},
		{"RoleMapping", testRoleMapping, nil},
		{"StatusExcluded", testStatusExcluded, nil},
		{"Retries", testRetries, func(h Harness) bool { return h.LocalSource }},
		{"FailureMidPaging", testFailureMidPaging, nil},
		{"FailedReadRemovesNobody", testFailedReadRemovesNobody, nil},
		{"BadCredentials", testBadCredentials, func(h Harness) bool { return h.LocalSource }},
		{"Cancellation", testCancellation, nil},
		{"EmitError", testEmitError, nil},
		{"EmptySource", testEmptySource, nil},
		{"EmailsNormalized", testEmailsNormalized, nil},
		{"NoEmailSkipped", testNoEmailSkipped, func(h Harness) bool { return h.EmailRequired }},
		{"FoldedStrongestRole", testFolded, func(h Harness) bool { return h.OneUnitPerPerson }},
	}
	for _, c := range cases {
		t.Run(h.Name+"/"+c.name, func(t *testing.T) {
			if c.skip != nil && c.skip(h) {
				t.Skipf("%s cannot express this case", h.Name)
			}
			c.run(t, h)
		})
	}
}

// fixture is one Setup and what the suite needs to judge it.
type fixture struct {
	Env
	Instance
	byExternal map[string]*Person // served roster people by reported id
}

// open serves a roster of people in units, adapted to the harness's
// limits, pageSize to a page.
func open(t *testing.T, h Harness, seed int64, people, units, pageSize int) *fixture {
	t.Helper()
	r := GenerateRoster(seed, people, units)
	if h.OneUnitPerPerson {
		r = r.OneUnitEach()
	}
	if h.EmailRequired {
		r = r.WithEmails()
	}
	env := Env{Roster: r, Name: instanceName, PageSize: pageSize, Upstream: NewRecorder(), Clock: NewClock()}
	inst := h.Setup(t, env)
	if inst.Connector == nil || inst.Faults == nil || inst.Requests == nil {
		t.Fatal("connectortest: Setup returned an Instance without Connector, Faults or Requests")
	}
	if inst.MaxAttempts < 2 {
		t.Fatalf("connectortest: Instance.MaxAttempts = %d: retries cannot be tested", inst.MaxAttempts)
	}
	f := &fixture{Env: env, Instance: inst, byExternal: map[string]*Person{}}
	for i := range f.Roster.People {
		p := &f.Roster.People[i]
		f.byExternal[f.ext(p.ID)] = p
	}
	return f
}

func (f *fixture) ext(id string) string {
	if f.ExternalID == nil {
		return id
	}
	return f.ExternalID(id)
}

// expected is Roster.Expected keyed by reported id.
func (f *fixture) expected() map[string]Expect {
	out := map[string]Expect{}
	for id, e := range f.Roster.Expected() {
		out[f.ext(id)] = e
	}
	return out
}

// seen is what a Fetch said about one person over all their emissions.
type seen struct {
	emails map[string]bool
	names  map[string]bool
	role   license.Role // strongest
	count  int
}

// result is one Fetch, folded by reported id.
type result struct {
	people map[string]*seen
	rows   int
	pages  int
}

// fetch runs one Fetch of the fixture's selection.
func (f *fixture) fetch(ctx context.Context) (*result, error) {
	res := &result{people: map[string]*seen{}}
	def := f.Selection.DefaultRole
	if def == "" {
		def = license.RoleStudent
	}
	err := f.Connector.Fetch(ctx, f.Selection, func(page []connectors.Person) error {
		res.pages++
		res.rows += len(page)
		for _, p := range page {
			s := res.people[p.ExternalID]
			if s == nil {
				s = &seen{emails: map[string]bool{}, names: map[string]bool{}}
				res.people[p.ExternalID] = s
			}
			s.count++
			s.emails[p.Email] = true
			s.names[p.Name] = true
			role := p.Role
			if role == "" {
				role = def
			}
			if s.role == "" || role.Rank() > s.role.Rank() {
				s.role = role
			}
		}
		return nil
	})
	return res, err
}

// compare checks a Fetch against the roster: everyone expected, as
// expected, and nobody else.
func (f *fixture) compare(t *testing.T, res *result) {
	t.Helper()
	want := f.expected()
	if len(want) == 0 {
		t.Fatal("the roster expects nobody: the test cannot fail")
	}
	for id, w := range want {
		s, ok := res.people[id]
		if !ok {
			t.Errorf("missing %s (%q, %s)", id, w.Email, w.Role)
			continue
		}
		if len(s.emails) != 1 || !s.emails[w.Email] {
			t.Errorf("%s reported with emails %v, want exactly %q as the source has it", id, keys(s.emails), w.Email)
		}
		if len(s.names) != 1 || !s.names[w.Name] {
			t.Errorf("%s reported with names %v, want %q", id, keys(s.names), w.Name)
		}
		if s.role != w.Role {
			t.Errorf("%s (%q) has strongest role %s, want %s", id, w.Email, s.role, w.Role)
		}
	}
	for id := range res.people {
		if _, ok := want[id]; ok {
			continue
		}
		if p := f.byExternal[id]; p != nil {
			t.Errorf("unexpected %s (%q): status %s, %d units", id, p.Email, p.Status, len(p.Units))
		} else {
			t.Errorf("unexpected %s: not in the roster", id)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, fmt.Sprintf("%q", k))
	}
	return out
}
