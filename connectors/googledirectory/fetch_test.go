package googledirectory

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// expect lists who a fetch of units must return, from the fake's users,
// with sub-units included or not and account states filtered by keep.
func expect(srv *fake.Server, units []string, sub bool, keep func(fake.User) bool) map[string]bool {
	out := map[string]bool{}
	for _, u := range srv.Users() {
		if !keep(u) {
			continue
		}
		for _, unit := range units {
			in := u.OrgUnitPath == unit
			if sub && !in {
				in = unit == "/" || strings.HasPrefix(u.OrgUnitPath, unit+"/")
			}
			if in {
				out[u.ID] = true
			}
		}
	}
	return out
}

func active(u fake.User) bool { return !u.Suspended && !u.Archived }

func sameIDs(t *testing.T, got map[string]connectors.Person, want map[string]bool) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("expectation is empty: the test cannot fail")
	}
	for id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("missing %s", id)
		}
	}
	for id, p := range got {
		if !want[id] {
			t.Errorf("unexpected %s %s in %s (suspended or archived, or outside the selection)", id, p.Email, p.OrgUnit)
		}
	}
}

func TestFetchOrgUnits(t *testing.T) {
	d := fake.Generate(11, 900)
	elem := "/Students/" + d.Schools[0].Name
	okeeffe := "/Students/" + d.Schools[1].Name // an apostrophe: the query must escape it
	if !strings.Contains(okeeffe, "'") {
		t.Fatalf("district has no school with an apostrophe (%s): the escaping case is not exercised", okeeffe)
	}
	cases := []struct {
		name  string
		units []string
		opts  map[string]string
		sub   bool
	}{
		{"subtree by default", []string{elem}, nil, true},
		{"exact paths only", []string{elem}, map[string]string{"include_sub_org_units": "false"}, false},
		{"exact leaf grade", []string{elem + "/Grade 1"}, map[string]string{"include_sub_org_units": "false"}, false},
		{"nested units read once", []string{"/Students", elem, elem + "/Grade 2"}, nil, true},
		{"nested exact units", []string{"/Staff", "/Staff/District Office"}, map[string]string{"include_sub_org_units": "false"}, false},
		{"apostrophe in path", []string{okeeffe}, nil, true},
		{"root is everyone", []string{"/"}, nil, true},
		{"case-insensitive path", []string{strings.ToUpper(elem)}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fake.Generate(11, 900), envOptions{})
			got, err := collect(t, e.conn, connectors.Selection{Units: tc.units, Options: tc.opts})
			if err != nil {
				t.Fatal(err)
			}
			units := tc.units
			if tc.name == "case-insensitive path" {
				units = []string{elem}
			}
			sameIDs(t, got, expect(e.srv, units, tc.sub, active))
		})
	}
}

func TestFetchAccountStates(t *testing.T) {
	cases := []struct {
		name              string
		suspended, archiv bool
		keep              func(fake.User) bool
	}{
		{"default excludes both", false, false, active},
		{"include suspended", true, false, func(u fake.User) bool { return !u.Archived }},
		{"include archived", false, true, func(u fake.User) bool { return !u.Suspended }},
		{"include both", true, true, func(fake.User) bool { return true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fake.Generate(5, 1200), envOptions{settings: func(s *Settings) {
				s.IncludeSuspended, s.IncludeArchived = tc.suspended, tc.archiv
			}})
			want := expect(e.srv, []string{"/Students"}, true, tc.keep)
			if len(want) == len(expect(e.srv, []string{"/Students"}, true, active)) && (tc.suspended || tc.archiv) {
				t.Fatal("district has no suspended or archived students: the case cannot fail")
			}
			got, err := collect(t, e.conn, connectors.Selection{Units: []string{"/Students"}})
			if err != nil {
				t.Fatal(err)
			}
			sameIDs(t, got, want)
		})
	}
}

func TestFetchRoleMapping(t *testing.T) {
	d := fake.Generate(3, 600)
	school := d.Schools[2].Name
	cases := []struct {
		name  string
		sel   connectors.Selection
		check func(ou string) license.Role
	}{
		{"longest prefix wins",
			connectors.Selection{Units: []string{"/"}, Roles: map[string]license.Role{
				"/Staff": license.RoleTeacher, "/Staff/District Office": license.RoleOther, "/Students": license.RoleStudent}},
			func(ou string) license.Role {
				switch {
				case strings.HasPrefix(ou, "/Staff/District Office"):
					return license.RoleOther
				case strings.HasPrefix(ou, "/Staff/"):
					return license.RoleTeacher
				}
				return license.RoleStudent
			}},
		{"default where nothing maps",
			connectors.Selection{Units: []string{"/Staff"}, Roles: map[string]license.Role{"/Staff/" + school: license.RoleTeacher},
				DefaultRole: license.RoleOther},
			func(ou string) license.Role {
				if ou == "/Staff/"+school {
					return license.RoleTeacher
				}
				return license.RoleOther
			}},
		{"no default leaves the role empty",
			connectors.Selection{Units: []string{"/Students"}},
			func(string) license.Role { return "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fake.Generate(3, 600), envOptions{})
			got, err := collect(t, e.conn, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatal("nobody fetched")
			}
			for _, p := range got {
				if want := tc.check(p.OrgUnit); p.Role != want {
					t.Errorf("%s in %s: role %q, want %q", p.Email, p.OrgUnit, p.Role, want)
				}
			}
		})
	}
}

func TestFetchBadSelection(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	cases := []struct {
		name string
		sel  connectors.Selection
		want string
	}{
		{"no units", connectors.Selection{}, "names no org units"},
		{"relative path", connectors.Selection{Units: []string{"Students"}}, `"Students"`},
		{"trailing slash", connectors.Selection{Units: []string{"/Students/"}}, `"/Students/"`},
		{"unknown option", connectors.Selection{Units: []string{"/Students"}, Options: map[string]string{"recurse": "no"}}, `"recurse"`},
		{"bad option value", connectors.Selection{Units: []string{"/Students"}, Options: map[string]string{"include_sub_org_units": "maybe"}}, `"maybe"`},
		{"role key not a path", connectors.Selection{Units: []string{"/Students"}, Roles: map[string]license.Role{"Staff": license.RoleTeacher}}, `roles["Staff"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.srv.Counts().API
			_, err := collect(t, e.conn, tc.sel)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"district"`) {
				t.Fatalf("error %v, want one naming the connector and %s", err, tc.want)
			}
			if e.srv.Counts().API != before {
				t.Error("a bad selection still called Google")
			}
		})
	}
}

// Retry-After is honoured, and a wait that would pass max_rate_wait (the
// bound of rate-limit waits, which Google's default rate window turns on)
// ends the retries early.
func TestRetryAfter(t *testing.T) {
	cases := []struct {
		name        string
		retryAfter  time.Duration
		faults      int
		maxRateWait time.Duration
		wantErr     bool
		wantRetries int
	}{
		{"waits as asked", 7 * time.Second, 2, time.Minute, false, 2},
		{"waits past the attempts", 7 * time.Second, 8, 2 * time.Minute, false, 8},
		{"gives up when the wait passes max_rate_wait", 20 * time.Second, 5, 50 * time.Second, true, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, envOptions{settings: func(s *Settings) { s.Retry.MaxRateWait = tc.maxRateWait }})
			e.srv.RateLimit(fake.ResourceExhausted, tc.faults, tc.retryAfter)
			_, err := collect(t, e.conn, connectors.Selection{Units: []string{"/Staff"}})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if c := e.rec.Retries(reasonRateLimit); c != tc.wantRetries {
				t.Errorf("%d retries, want %d", c, tc.wantRetries)
			}
			for _, d := range e.clock.Slept() {
				if d < tc.retryAfter {
					t.Errorf("slept %s, less than Retry-After %s", d, tc.retryAfter)
				}
			}
		})
	}
}

func TestRequestsObserved(t *testing.T) {
	e := newEnv(t, fake.Generate(9, 500), envOptions{})
	e.srv.ServerErrors(503, 1)
	if _, err := collect(t, e.conn, connectors.Selection{Units: []string{"/Students"}}); err != nil {
		t.Fatal(err)
	}
	pages := e.srv.Counts().UsersList
	if e.rec.Requests(503) != 1 || int64(e.rec.Requests(200)) != pages+1 { // +1: the token request
		t.Errorf("observed %d 503s and %d 200s; want one 503 and %d 200s", e.rec.Requests(503), e.rec.Requests(200), pages+1)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	e := newEnv(t, nil, envOptions{})
	e.srv.ServerErrors(500, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.conn.Fetch(ctx, connectors.Selection{Units: []string{"/Staff"}}, func([]connectors.Person) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("Fetch with a cancelled context = %v", err)
	}
	if e.rec.TotalRetries() > 0 {
		t.Errorf("%d retries after cancellation", e.rec.TotalRetries())
	}
}
