package main

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/query"
)

func TestBadQueryPointsAtTheSpot(t *testing.T) {
	e := newEnv(t)
	e.createLicense("q", 5)
	for _, q := range []string{"role is stu dent", "name iz x", "(role is student", "%thomas% and"} {
		t.Run(q, func(t *testing.T) {
			_, perr := query.Parse(q)
			var qe *query.Error
			if !errors.As(perr, &qe) {
				t.Fatalf("query.Parse(%q) = %v, want a *query.Error", q, perr)
			}
			r := e.fail(exitError, "", "members", "list", "-l", "q", "--filter", q)
			if r.stdout != "" {
				t.Errorf("a bad query printed a table:\n%s", r.stdout)
			}
			if !strings.HasPrefix(r.stderr, "rollcall: --filter: "+qe.Msg+"\n") {
				t.Errorf("stderr does not start with the parse message %q:\n%s", qe.Msg, r.stderr)
			}
			// The caret lines, indented under the message.
			for _, l := range strings.Split(qe.Caret(q), "\n") {
				if !strings.Contains(r.stderr, "\n  "+l+"\n") {
					t.Errorf("stderr lacks caret line %q:\n%s", l, r.stderr)
				}
			}
		})
	}
}

func TestSeatOverflow(t *testing.T) {
	e := newEnv(t)
	e.createLicense("small", 2)
	e.ok("", "members", "add", "-l", "small", "amy@school.example.org")
	// One seat left for two: what fits goes in (by email), the rest is listed.
	r := e.fail(exitError, "", "members", "add", "-l", "small", "cal@school.example.org", "bea@school.example.org")
	if !strings.Contains(r.stderr, "1 address was not added to license small") {
		t.Errorf("stderr does not say one was not added:\n%s", r.stderr)
	}
	if !regexp.MustCompile(`(?m)^cal@school\.example\.org +student +` + license.ReasonNoSeats + `$`).MatchString(r.stdout) {
		t.Errorf("stdout does not list cal as overflow:\n%s", r.stdout)
	}
	var res license.ApplyResult
	r = e.fail(exitError, "", "--json", "members", "add", "-l", "small", "dan@school.example.org", "amy@school.example.org")
	if err := jsonUnmarshal(r.stdout, &res); err != nil {
		t.Fatal(err)
	}
	if res.MembersAdded != 0 || res.Unchanged != 1 || len(res.Overflow) != 1 || res.Overflow[0].Email != "dan@school.example.org" {
		t.Errorf("result = %+v, want amy unchanged and dan overflowing", res)
	}
	var p license.Page
	e.jsonOK(&p, "", "members", "list", "-l", "small")
	if got, want := emails(p), []string{"amy@school.example.org", "bea@school.example.org"}; !slices.Equal(got, want) {
		t.Errorf("members = %v, want %v", got, want)
	}
	var l licenseView
	e.jsonOK(&l, "", "license", "show", "small")
	if l.Used != 2 || l.Free != 0 {
		t.Errorf("license show: used %d free %d, want 2 and 0", l.Used, l.Free)
	}
}

func TestExpiredLicenseTakesNoOne(t *testing.T) {
	e := newEnv(t)
	key := e.createLicense("old", 10, "--created", "2020-08-01", "--expires", "2021-07-31")
	r := e.ok("", "license", "show", "old")
	if !strings.Contains(r.stdout, "2021-07-31 (expired)") {
		t.Errorf("show does not mark the license expired:\n%s", r.stdout)
	}
	var res license.ApplyResult
	r = e.fail(exitError, "", "--json", "members", "add", "-l", "old", "amy@school.example.org")
	if err := jsonUnmarshal(r.stdout, &res); err != nil {
		t.Fatal(err)
	}
	if res.MembersAdded != 0 || len(res.Overflow) != 1 || res.Overflow[0].Reason != license.ReasonExpired {
		t.Errorf("add to an expired license = %+v, want one overflow %q", res, license.ReasonExpired)
	}
	r = e.fail(exitError, "", "redeem", key, "bob@school.example.org")
	if !strings.Contains(r.stderr, "expired") || strings.Contains(r.stderr, key) {
		t.Errorf("redeem on an expired license: stderr should say expired and never echo the key:\n%s", r.stderr)
	}
	// Extending it lets people in again.
	e.ok("", "license", "update", "old", "--no-expiry")
	e.ok("", "redeem", key, "bob@school.example.org")
}

func TestRedeemAndRotateKey(t *testing.T) {
	e := newEnv(t)
	key := e.createLicense("tl", 30, "--type", "teacher")
	// Case, spaces and dashes do not matter; "-" reads the key from stdin.
	e.ok("", "redeem", strings.ToLower(key), "Ann@Example.org")
	e.ok(strings.ReplaceAll(key, "-", " ")+"\n", "redeem", "-", "bob@example.org")
	var p license.Page
	e.jsonOK(&p, "", "members", "list", "-l", "tl", "--filter", "source is key")
	if got, want := emails(p), []string{"ann@example.org", "bob@example.org"}; !slices.Equal(got, want) {
		t.Errorf("members by key = %v, want %v", got, want)
	}

	var rot struct {
		License licenseView `json:"license"`
		Key     string      `json:"key"`
	}
	e.jsonOK(&rot, "", "license", "rotate-key", "tl")
	if rot.Key == "" || rot.Key == key || rot.License.KeyPrefix != rot.Key[:len(rot.License.KeyPrefix)] {
		t.Fatalf("rotate-key printed %+v (old key %s)", rot, key)
	}
	r := e.fail(exitError, "", "redeem", key, "cal@example.org")
	if strings.Contains(r.stderr, key) {
		t.Errorf("error echoes the key:\n%s", r.stderr)
	}
	e.ok("", "redeem", rot.Key, "cal@example.org")
	r = e.ok("", "license", "show", "tl")
	if strings.Contains(r.stdout, rot.Key) {
		t.Errorf("license show prints the whole key:\n%s", r.stdout)
	}
}

func TestInvalidEmailsChangeNothing(t *testing.T) {
	e := newEnv(t)
	e.createLicense("v", 10)
	r := e.fail(exitError, "ok1@example.org\nnot-an-email\n,ok2@example.org,@bad.org\n",
		"members", "add", "-l", "v", "fine@example.org", "-", "x@y")
	for _, want := range []string{`argument 3: "x@y"`, `stdin line 2: "not-an-email"`, `stdin line 3: "@bad.org"`, "3 invalid email addresses"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	var p license.Page
	e.jsonOK(&p, "", "members", "list", "-l", "v")
	if len(p.Members) != 0 {
		t.Errorf("invalid input added %v", emails(p))
	}
}

func TestUsageErrors(t *testing.T) {
	e := newEnv(t)
	e.createLicense("u", 1)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown subcommand", []string{"license", "frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"license", "list", "--nope"}, "unknown flag: --nope"},
		{"missing argument", []string{"license", "show"}, "expects 1 argument(s) (ID)"},
		{"missing required flag", []string{"license", "create", "--name", "x", "--type", "pro"}, "--seats is required"},
		{"members without --license", []string{"members", "list"}, "--license is required"},
		{"nothing to update", []string{"license", "update", "u"}, "nothing to update"},
		{"contradicting flags", []string{"license", "update", "u", "--expires", "2030-01-01", "--no-expiry"}, "contradict"},
		{"delete without a terminal", []string{"license", "delete", "u"}, "without --yes"},
		{"bad log level", []string{"--log-level", "loud", "license", "list"}, "--log-level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(exitUsage, "", tc.args...)
			if !strings.HasPrefix(r.stderr, "rollcall: ") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr = %q, want rollcall: ...%s", r.stderr, tc.want)
			}
		})
	}
	// The refused delete deleted nothing; --yes does.
	e.ok("", "license", "show", "u")
	e.ok("", "license", "delete", "u", "--yes")
	r := e.fail(exitError, "", "license", "show", "u")
	if !strings.Contains(r.stderr, "not found") {
		t.Errorf("show of a deleted license: %q", r.stderr)
	}
}

func TestLicenseUpdate(t *testing.T) {
	e := newEnv(t)
	e.createLicense("up", 5, "--domain", "a.example.org", "--admin", "boss@a.example.org")
	e.ok("", "members", "add", "-l", "up", "x@a.example.org", "y@a.example.org")
	var l licenseView
	e.jsonOK(&l, "", "license", "update", "up", "--name", "Renamed", "--seats", "8", "--expires", "2031-01-31",
		"--add-domain", "B.example.org", "--remove-domain", "a.example.org", "--add-admin", "vice@a.example.org",
		"--remove-admin", "boss@a.example.org", "--feature", "chat=on", "--lms-vendor", "Canvas", "--lms-url", "https://canvas.example.org/")
	if l.Name != "Renamed" || l.Seats != 8 || l.Expires.Format("2006-01-02") != "2031-01-31" ||
		!slices.Equal(l.Domains, []string{"b.example.org"}) || !slices.Equal(l.Admins, []string{"vice@a.example.org"}) ||
		!l.Features["chat"] || l.LMS.Vendor != "canvas" || l.LMS.BaseURL != "https://canvas.example.org" {
		t.Errorf("after update: %+v", l)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"seats below members", []string{"--seats", "1"}, "seat"},
		{"remove absent domain", []string{"--remove-domain", "zzz.example.org"}, "zzz.example.org is not on license up"},
		{"bad feature", []string{"--feature", "chat=maybe"}, "on or off"},
		{"bad url", []string{"--lms-url", "canvas.example.org"}, "--lms-url"},
		{"bad date", []string{"--expires", "31/01/2031"}, "YYYY-MM-DD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(exitError, "", append([]string{"license", "update", "up"}, tc.args...)...)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr = %q, want %q", r.stderr, tc.want)
			}
			var after licenseView
			e.jsonOK(&after, "", "license", "show", "up")
			if after.Seats != 8 || !slices.Equal(after.Domains, []string{"b.example.org"}) || !after.Features["chat"] {
				t.Errorf("a failed update changed the license: %+v", after)
			}
		})
	}
}

func TestDomainAdmins(t *testing.T) {
	e := newEnv(t)
	e.ok("", "domain", "admin", "add", "District.example.org", "Zed@district.example.org")
	e.ok("", "domain", "admin", "add", "district.example.org", "amy@district.example.org")
	var out struct {
		Domain string   `json:"domain"`
		Admins []string `json:"admins"`
	}
	e.jsonOK(&out, "", "domain", "admins", "district.example.org")
	if want := []string{"amy@district.example.org", "zed@district.example.org"}; out.Domain != "district.example.org" || !slices.Equal(out.Admins, want) {
		t.Errorf("admins = %+v, want %v", out, want)
	}
	e.ok("", "domain", "admin", "remove", "district.example.org", "zed@district.example.org")
	e.jsonOK(&out, "", "domain", "admins", "district.example.org")
	if !slices.Equal(out.Admins, []string{"amy@district.example.org"}) {
		t.Errorf("after remove: %v", out.Admins)
	}
	e.fail(exitError, "", "domain", "admin", "add", "not a domain", "amy@district.example.org")
}

func TestEntitlementThroughMembershipAndDomain(t *testing.T) {
	e := newEnv(t)
	e.createLicense("dw", 5, "--domain", "district.example.org", "--feature", "chat=on")
	e.createLicense("ind", 5, "--feature", "export=on", "--feature", "chat=off")
	e.ok("", "members", "add", "-l", "ind", "amy@district.example.org")
	var ent license.Entitlement
	e.jsonOK(&ent, "", "entitlement", "AMY@district.example.org")
	vias := map[string]string{}
	for _, g := range ent.Licenses {
		vias[g.License] = g.Via
	}
	if vias["dw"] != "domain:district.example.org" || vias["ind"] != "member" || len(vias) != 2 {
		t.Errorf("grants = %v", vias)
	}
	if !ent.Features["chat"] || !ent.Features["export"] {
		t.Errorf("features = %v, want chat and export on (on if any license has it on)", ent.Features)
	}
	e.jsonOK(&ent, "", "entitlement", "nobody@elsewhere.example.com")
	if len(ent.Licenses) != 0 {
		t.Errorf("a stranger is entitled to %+v", ent.Licenses)
	}
}

func TestLockedDatabase(t *testing.T) {
	e := newEnv(t)
	e.createLicense("lk", 5)
	// Stand in for a running sync or server holding the file.
	s := openTestStore(t, e)
	defer s.Close()
	r := e.fail(exitError, "", "license", "list")
	if !strings.Contains(r.stderr, "another rollcall process holds it") {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	e.createLicense("c", 5)
	r := e.ok("", "check")
	if !strings.HasPrefix(r.stdout, "OK: ") {
		t.Errorf("check printed %q", r.stdout)
	}
	var out struct {
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	e.jsonOK(&out, "", "check")
	if !out.OK || len(out.Problems) != 0 {
		t.Errorf("check --json = %+v", out)
	}
}

func TestMembersListPagesWithCursor(t *testing.T) {
	e := newEnv(t)
	e.createLicense("pg", 10)
	e.ok("e@x.org\nc@x.org\na@x.org\nd@x.org\nb@x.org\n", "members", "add", "-l", "pg")
	var got []string
	cursor := ""
	for range 10 {
		var p license.Page
		e.jsonOK(&p, "", "members", "list", "-l", "pg", "--sort", "-email", "--limit", "2", "--cursor", cursor)
		got = append(got, emails(p)...)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if want := []string{"e@x.org", "d@x.org", "c@x.org", "b@x.org", "a@x.org"}; !slices.Equal(got, want) {
		t.Errorf("paged = %v, want %v", got, want)
	}
	r := e.ok("", "members", "list", "-l", "pg", "--limit", "2")
	if !regexp.MustCompile(`\nMore: --cursor \S+\n$`).MatchString(r.stdout) {
		t.Errorf("a first page does not print its next cursor:\n%s", r.stdout)
	}
}
