package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// emails lists the emails of a members page, in page order.
func emails(p license.Page) []string {
	out := make([]string, len(p.Members))
	for i, m := range p.Members {
		out[i] = m.Email
	}
	return out
}

// createLicense makes a license with a fixed id and returns the key it printed.
func (e *env) createLicense(id string, seats int, extra ...string) string {
	e.t.Helper()
	var out struct {
		License licenseView `json:"license"`
		Key     string      `json:"key"`
	}
	args := append([]string{"license", "create", "--id", id, "--name", "License " + id, "--type", "school", "--seats", strconv.Itoa(seats)}, extra...)
	e.jsonOK(&out, "", args...)
	if out.License.ID != id || out.Key == "" {
		e.t.Fatalf("license create printed %+v", out)
	}
	return out.Key
}

// TestNewcomerFlow follows the README: create a license, add users by
// email and by CSV, filter with %wildcard% and "role is student", and see
// who added whom.
func TestNewcomerFlow(t *testing.T) {
	e := newEnv(t)

	r := e.ok("", "license", "create", "--id", "lincoln", "--name", "Lincoln High", "--type", "school",
		"--seats", "10", "--expires", "2030-06-30", "--domain", "Lincoln.Example.org",
		"--admin", "IT@lincoln.example.org", "--feature", "chat=on", "--feature", "export=off")
	if !strings.Contains(r.stdout, "cannot be shown again") {
		t.Errorf("create does not warn that the key is shown once:\n%s", r.stdout)
	}
	golden(t, "license_create", e.normalize(r.stdout))

	// By email: arguments, then a pasted list on stdin.
	e.ok("", "members", "add", "-l", "lincoln", "--role", "teacher", "--name", "Thomas Teach", "thomas.t@lincoln.example.org")
	r = e.ok("ann@lincoln.example.org, bob@lincoln.example.org\n\nCarol@Other.example.com\n", "members", "add", "-l", "lincoln")
	golden(t, "members_add", r.stdout)

	// By CSV: Ann again (now with a name), and three new people.
	csvFile := e.write("roster.csv", "email,name,role\n"+
		"ann@lincoln.example.org,Ann Lee,student\n"+
		"thomasina@lincoln.example.org,Thomasina Reed,student\n"+
		"dave@lincoln.example.org,Dave Thomas,\n"+
		"erin@lincoln.example.org,Erin Staff,other\n")
	e.ok("", "members", "import", "-l", "lincoln", csvFile)

	var all license.Page
	e.jsonOK(&all, "", "members", "list", "-l", "lincoln")
	want := []string{"ann@lincoln.example.org", "bob@lincoln.example.org", "carol@other.example.com", "dave@lincoln.example.org",
		"erin@lincoln.example.org", "thomas.t@lincoln.example.org", "thomasina@lincoln.example.org"}
	if got := emails(all); !slices.Equal(got, want) {
		t.Fatalf("members = %v, want %v", got, want)
	}

	tests := []struct {
		name, filter, sort string
		want               []string
	}{
		{"wildcard on name or email", "%thomas%", "name",
			[]string{"dave@lincoln.example.org", "thomas.t@lincoln.example.org", "thomasina@lincoln.example.org"}},
		{"role is student", "role is student", "email",
			[]string{"ann@lincoln.example.org", "bob@lincoln.example.org", "carol@other.example.com", "dave@lincoln.example.org", "thomasina@lincoln.example.org"}},
		{"role is not student, descending", "role is not student", "-email",
			[]string{"thomas.t@lincoln.example.org", "erin@lincoln.example.org"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p license.Page
			e.jsonOK(&p, "", "members", "list", "-l", "lincoln", "--filter", tc.filter, "--sort", tc.sort)
			if got := emails(p); !slices.Equal(got, tc.want) {
				t.Errorf("--filter %q --sort %s = %v, want %v", tc.filter, tc.sort, got, tc.want)
			}
		})
	}
	r = e.ok("", "members", "list", "-l", "lincoln", "--filter", "%thomas%", "--sort", "name")
	golden(t, "members_list_thomas", e.normalize(r.stdout))

	// Who added Ann: the admin by hand, then the CSV import.
	var evs []license.Event
	e.jsonOK(&evs, "", "members", "history", "-l", "lincoln", "ann@lincoln.example.org")
	if len(evs) != 2 {
		t.Fatalf("history of ann has %d events, want 2: %+v", len(evs), evs)
	}
	if evs[0].Action != license.ActionMemberAdded || evs[0].Source != license.SourceManual || evs[0].Actor != "cli:tester" {
		t.Errorf("first event = %+v, want member.added by manual, actor cli:tester", evs[0])
	}
	if evs[1].Action != license.ActionClaimAdded || evs[1].Source.Kind() != "csv" || evs[1].Actor != "cli:tester" {
		t.Errorf("second event = %+v, want claim.added by a csv source, actor cli:tester", evs[1])
	}
	r = e.ok("", "members", "history", "-l", "lincoln", "ann@lincoln.example.org")
	golden(t, "members_history", e.normalize(r.stdout))

	r = e.ok("", "license", "show", "lincoln")
	if !strings.Contains(r.stdout, "10 (7 used, 3 free)") {
		t.Errorf("license show does not count 7 of 10 seats used:\n%s", r.stdout)
	}
	golden(t, "license_show", e.normalize(r.stdout))
	r = e.ok("", "license", "list")
	golden(t, "license_list", e.normalize(r.stdout))
}
