package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// importOut is the --json output of members import and remove.
type importOut struct {
	license.ApplyResult
	Kept []struct {
		Email   string           `json:"email"`
		Sources []license.Source `json:"sources"`
	} `json:"kept"`
	NotFound []string `json:"not_found"`
	DryRun   bool     `json:"dry_run"`
	UploadID string   `json:"upload_id"`
	Rows     int      `json:"rows"`
}

func TestBadCSVListsEveryBadLineAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.createLicense("b", 100)
	e.ok("", "members", "add", "-l", "b", "keep@example.org")
	bad := e.write("bad.csv", "email,name,role\n"+
		"ok@example.org,Ok,student\n"+ // line 2
		"not-an-email,Bad One,student\n"+ // line 3
		"ok2@example.org,Ok Two,teacher\n"+ // line 4
		"x@example.org,Bad Role,wizard\n"+ // line 5
		",No Email,student\n"+ // line 6
		"ok3@example.org,Ok Three,\n") // line 7
	r := e.fail(exitError, "", "members", "import", "-l", "b", bad)
	if !strings.HasPrefix(r.stderr, "rollcall: "+bad+": 3 bad rows, nothing imported:\n") {
		t.Errorf("stderr does not start with the count of bad rows:\n%s", r.stderr)
	}
	for _, line := range []string{"line 3", "line 5", "line 6"} {
		if !strings.Contains(r.stderr, "\n  "+line) {
			t.Errorf("stderr does not list %s:\n%s", line, r.stderr)
		}
	}
	for _, line := range []string{"line 2", "line 4", "line 7"} {
		if strings.Contains(r.stderr, line) {
			t.Errorf("stderr blames good %s:\n%s", line, r.stderr)
		}
	}
	var p license.Page
	e.jsonOK(&p, "", "members", "list", "-l", "b")
	if got := emails(p); !slices.Equal(got, []string{"keep@example.org"}) {
		t.Errorf("after a bad import the members are %v", got)
	}
	// The same file through stdin is named "stdin".
	data, _ := os.ReadFile(bad)
	r = e.fail(exitError, string(data), "members", "import", "-l", "b", "-")
	if !strings.HasPrefix(r.stderr, "rollcall: stdin: 3 bad rows") {
		t.Errorf("stdin import error: %s", r.stderr)
	}
}

func TestImportAllOrNothingOnSeats(t *testing.T) {
	e := newEnv(t)
	e.createLicense("s", 2)
	f := e.write("three.csv", "a@example.org\nb@example.org\nc@example.org\n")
	r := e.fail(exitError, "", "members", "import", "-l", "s", f)
	if !strings.Contains(r.stderr, "seat") {
		t.Errorf("stderr does not blame seats: %s", r.stderr)
	}
	var p license.Page
	e.jsonOK(&p, "", "members", "list", "-l", "s")
	if len(p.Members) != 0 {
		t.Errorf("a refused import added %v", emails(p))
	}
}

func TestImportDryRunChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.createLicense("d", 10)
	f := e.write("two.csv", "email,role\na@example.org,teacher\nb@example.org,\n")
	var res importOut
	e.jsonOK(&res, "", "members", "import", "-l", "d", "--dry-run", f)
	if !res.DryRun || res.MembersAdded != 2 || res.Rows != 2 {
		t.Errorf("dry run result = %+v, want 2 members that would be added", res)
	}
	r := e.ok("", "members", "import", "-l", "d", "-n", f)
	if !strings.HasPrefix(r.stdout, "Dry run: nothing was changed.") {
		t.Errorf("dry run does not say so:\n%s", r.stdout)
	}
	var p license.Page
	e.jsonOK(&p, "", "members", "list", "-l", "d")
	if len(p.Members) != 0 {
		t.Errorf("a dry run added %v", emails(p))
	}
}

func TestMembersRemoveSaysWhoStays(t *testing.T) {
	e := newEnv(t)
	key := e.createLicense("r", 10)
	e.ok("", "members", "add", "-l", "r", "ann@example.org", "bob@example.org")
	e.ok("", "members", "import", "-l", "r", e.write("c.csv", "cat@example.org\nbob@example.org\n"))
	// Ann also redeemed the key; dan never joined.
	e.ok("", "redeem", key, "ann@example.org")

	var res importOut
	e.jsonOK(&res, "ann@example.org\nbob@example.org, cat@example.org\ndan@example.org\n", "members", "remove", "-l", "r")
	// Admin-made claims all go: ann's manual and key, bob's manual and csv, cat's csv.
	if res.ClaimsRemoved != 5 || res.MembersRemoved != 3 || !slices.Equal(res.NotFound, []string{"dan@example.org"}) || len(res.Kept) != 0 {
		t.Errorf("remove = %+v", res)
	}
	var p license.Page
	e.jsonOK(&p, "", "members", "list", "-l", "r")
	if len(p.Members) != 0 {
		t.Errorf("left on the license: %v", emails(p))
	}
}

func TestMembersRemoveKeepsDeploymentClaims(t *testing.T) {
	e := newEnv(t)
	e.createLicense("k", 10)
	e.ok("", "members", "add", "-l", "k", "ann@example.org")
	// A sync's claim, written straight into the store as a connector would.
	s := openTestStore(t, e)
	_, err := s.Apply(t.Context(), "k", []license.Change{{Op: license.OpUpsert, Email: "ann@example.org", Source: "google-directory/hs"}},
		license.ApplyOptions{Actor: "google-directory/hs"})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := e.ok("", "members", "remove", "-l", "k", "ann@example.org")
	if !strings.Contains(r.stdout, "Still on the license") || !strings.Contains(r.stdout, "ann@example.org  google-directory/hs") {
		t.Errorf("remove does not say ann stays because of the sync:\n%s", r.stdout)
	}
	var m license.Page
	e.jsonOK(&m, "", "members", "list", "-l", "k")
	if len(m.Members) != 1 || !slices.Equal(m.Members[0].Sources(), []license.Source{"google-directory/hs"}) {
		t.Errorf("after remove: %+v", m.Members)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.createLicense("src", 10)
	e.createLicense("dst", 10)
	// Names a spreadsheet would run as formulas, and one with a comma.
	e.ok("", "members", "import", "-l", "src", e.write("in.csv", "email,name,role\n"+
		"ann@example.org,\"=HYPERLINK(\"\"http://evil\"\")\",teacher\n"+
		"bob@example.org,\"Lee, Bob\",student\n"+
		"cat@example.org,+Cat,other\n"+
		"dan@example.org,-Dan,\n"+
		"eve@example.org,@Eve,student\n"))
	out := filepath.Join(t.TempDir(), "export.csv")
	e.ok("", "members", "export", "-l", "src", "-o", out)
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(out)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, data)
	}
	if len(recs) != 6 {
		t.Errorf("export has %d records, want a header and 5 members", len(recs))
	}
	for _, rec := range recs {
		for _, c := range rec {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("export cell %q would run as a formula in a spreadsheet", c)
			}
		}
	}
	// stdout and the file hold the same CSV.
	if r := e.ok("", "members", "export", "-l", "src"); r.stdout != string(data) {
		t.Errorf("export to stdout differs from -o:\n%s\nvs\n%s", r.stdout, data)
	}
	e.ok("", "members", "import", "-l", "dst", out)

	var a, b license.Page
	e.jsonOK(&a, "", "members", "list", "-l", "src")
	e.jsonOK(&b, "", "members", "list", "-l", "dst")
	type person struct{ email, name, role string }
	people := func(p license.Page) []person {
		var out []person
		for _, m := range p.Members {
			out = append(out, person{m.Email, m.Name, string(m.Role)})
		}
		return out
	}
	if pa, pb := people(a), people(b); !slices.Equal(pa, pb) || len(pa) != 5 {
		t.Errorf("round trip changed the members:\n%v\n%v", pa, pb)
	}

	// --filter narrows the export.
	r := e.ok("", "members", "export", "-l", "src", "--filter", "role is teacher")
	if n := strings.Count(r.stdout, "\n"); n != 2 || !strings.Contains(r.stdout, "ann@example.org") {
		t.Errorf("filtered export has %d lines:\n%s", n, r.stdout)
	}
}

func TestLargeImportWithoutTerminalHasNoProgressBar(t *testing.T) {
	e := newEnv(t)
	const n = progressRows + 500
	e.createLicense("big", n)
	var b strings.Builder
	b.WriteString("email,name,role\n")
	for i := range n {
		fmt.Fprintf(&b, "user%05d@example.org,User %d,student\n", i, i)
	}
	f := e.write("big.csv", b.String())
	r := e.ok("", "members", "import", "-l", "big", f)
	if r.stderr != "" {
		t.Errorf("import to a pipe wrote on stderr (a progress bar?): %q", r.stderr[:min(len(r.stderr), 200)])
	}
	var l licenseView
	e.jsonOK(&l, "", "license", "show", "big")
	if l.Used != n {
		t.Errorf("%d members after importing %d rows", l.Used, n)
	}
}

func TestSampleCSVImports(t *testing.T) {
	e := newEnv(t)
	e.createLicense("smp", 10)
	r := e.ok("", "members", "sample-csv")
	var res importOut
	e.jsonOK(&res, r.stdout, "members", "import", "-l", "smp", "-")
	if res.MembersAdded != strings.Count(r.stdout, "\n")-1 || res.MembersAdded == 0 {
		t.Errorf("sample of %d lines added %d members", strings.Count(r.stdout, "\n"), res.MembersAdded)
	}
	if res.UploadID == "" {
		t.Errorf("no upload id in %+v", res)
	}
	raw := map[string]any{}
	r = e.ok(r.stdout, "--json", "members", "import", "-l", "smp", "-")
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"members_added", "claims_added", "unchanged", "upload_id", "rows"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("import JSON lacks %q: %s", k, r.stdout)
		}
	}
}
