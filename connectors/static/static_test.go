package static

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// open writes content to a temp file named name and opens a connector on it.
func open(t testing.TB, name, content string, pageSize int) *Connector {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := connectors.NewConfig(Type)
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.(*Config)
	sc.Path, sc.PageSize = name, pageSize
	if strings.HasSuffix(name, ".txt") {
		sc.Format = "yaml" // no telling extension: the setting decides
	}
	c, err := cfg.Open(connectors.OpenOptions{Name: "roster", BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
}

// fetch runs Fetch and returns the pages it emitted.
func fetch(t testing.TB, c *Connector, sel connectors.Selection) ([][]connectors.Person, error) {
	t.Helper()
	var pages [][]connectors.Person
	err := c.Fetch(context.Background(), sel, func(p []connectors.Person) error {
		pages = append(pages, p)
		return nil
	})
	return pages, err
}

func flat(pages [][]connectors.Person) []connectors.Person {
	var out []connectors.Person
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// summary renders people as "email=role" sorted, for comparing.
func summary(people []connectors.Person) string {
	s := make([]string, len(people))
	for i, p := range people {
		s[i] = fmt.Sprintf("%s=%s", p.Email, p.Role)
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

const rosterCSV = `email,name,role,org_unit,external_id
ann@d.org,Ann,,/Students/High,s1
bob@d.org,Bob,,/Students/Middle,s2
cid@d.org,Cid,,/StudentsOld,s3
dee@d.org,Dee,,/Staff,t1
eve@d.org,Eve,teacher,/Students/High/Labs,t2
fay@d.org,Fay,Staff,/Students,t3
gus@d.org,Gus,,,x1
hal@d.org,Hal,,/Staff/Admin/,t4
`

func TestFetchSelection(t *testing.T) {
	cases := []struct {
		name string
		sel  connectors.Selection
		want string
	}{
		{"no units: everyone, default role", connectors.Selection{DefaultRole: license.RoleStudent, Roles: map[string]license.Role{"staff": license.RoleOther}},
			"ann@d.org=student bob@d.org=student cid@d.org=student dee@d.org=student eve@d.org=teacher fay@d.org=other gus@d.org=student hal@d.org=student"},
		{"a unit and everything below it, not a sibling sharing its prefix", connectors.Selection{Units: []string{"/Students"}, Roles: map[string]license.Role{"Staff": license.RoleOther}},
			"ann@d.org= bob@d.org= eve@d.org=teacher fay@d.org=other"},
		{"a trailing slash on the unit is the same unit", connectors.Selection{Units: []string{"/Students/High/"}},
			"ann@d.org= eve@d.org=teacher"},
		{"exact units only", connectors.Selection{Units: []string{"/Students/High", "/Staff"}, Options: map[string]string{"include_sub_org_units": "false"}},
			"ann@d.org= dee@d.org="},
		{"the root selects everyone with an org unit", connectors.Selection{Units: []string{"/"}, Roles: map[string]license.Role{"staff": license.RoleOther}},
			"ann@d.org= bob@d.org= cid@d.org= dee@d.org= eve@d.org=teacher fay@d.org=other hal@d.org="},
		{"the longest unit mapping wins; the file's role beats any mapping",
			connectors.Selection{Units: []string{"/Staff", "/Students"}, DefaultRole: license.RoleStudent,
				Roles: map[string]license.Role{"/Staff": license.RoleTeacher, "/Staff/Admin": license.RoleOther, "/Students/High": license.RoleOther, "staff": license.RoleOther}},
			"ann@d.org=other bob@d.org=student dee@d.org=teacher eve@d.org=teacher fay@d.org=other hal@d.org=other"},
		{"a unit nobody is in selects nobody", connectors.Selection{Units: []string{"/Nowhere"}}, ""},
	}
	c := open(t, "people.csv", rosterCSV, 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := fetch(t, c, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(flat(pages)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestFetchFields(t *testing.T) {
	for _, tc := range []struct{ name, file, content string }{
		{"csv with reordered columns, a BOM, spaces, comments and blank lines", "people.csv",
			"\ufeffOrg_Unit , Email,external_id,name\n# a comment\n\n/Students/High, ann@d.org ,s1,\"Ann, Jr.\"\n"},
		{"yaml", "people.yml", "- email: ann@d.org\n  name: Ann, Jr.\n  org_unit: /Students/High\n  external_id: s1\n"},
		{"yaml by format setting", "people.txt", "- {email: ann@d.org, name: 'Ann, Jr.', org_unit: /Students/High, external_id: s1}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, tc.file, tc.content, 0)
			pages, err := fetch(t, c, connectors.Selection{})
			if err != nil {
				t.Fatal(err)
			}
			want := []connectors.Person{{ExternalID: "s1", Email: "ann@d.org", Name: "Ann, Jr.", OrgUnit: "/Students/High"}}
			if got := flat(pages); len(got) != 1 || got[0].Email != want[0].Email || got[0].Name != want[0].Name ||
				got[0].OrgUnit != want[0].OrgUnit || got[0].ExternalID != want[0].ExternalID || got[0].Role != "" {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestFetchPages(t *testing.T) {
	var b strings.Builder
	b.WriteString("email,org_unit\n")
	for i := range 1201 {
		fmt.Fprintf(&b, "p%d@d.org,/U\n", i)
	}
	c := open(t, "people.csv", b.String(), 500)
	pages, err := fetch(t, c, connectors.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, p := range pages {
		sizes = append(sizes, len(p))
	}
	if !slices.Equal(sizes, []int{500, 500, 201}) {
		t.Errorf("page sizes %v, want [500 500 201]", sizes)
	}
	all := flat(pages)
	seen := map[string]bool{}
	for _, p := range all {
		seen[p.Email] = true
	}
	if len(seen) != 1201 || all[0].Email != "p0@d.org" || all[1200].Email != "p1200@d.org" {
		t.Errorf("%d distinct people, first %s, last %s: pages overwrote each other or lost rows", len(seen), all[0].Email, all[len(all)-1].Email)
	}
}

// The file is read again on every Fetch: editing it is how the roster changes.
func TestFetchRereads(t *testing.T) {
	c := open(t, "people.csv", "email\na@d.org\n", 0)
	if err := os.WriteFile(c.Path(), []byte("email\nb@d.org\nc@d.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pages, err := fetch(t, c, connectors.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(flat(pages)); got != "b@d.org= c@d.org=" {
		t.Errorf("after the edit: %s", got)
	}
}

func TestFetchBadFile(t *testing.T) {
	cases := []struct {
		name, file, content string
		sel                 connectors.Selection
		line                int
		field, text         string
	}{
		{"empty file", "p.csv", "", connectors.Selection{}, 1, "header", "the file is empty"},
		{"no email column", "p.csv", "name,org_unit\nAnn,/S\n", connectors.Selection{}, 1, "header", "no email column"},
		{"unknown column", "p.csv", "email,orgunit\na@d.org,/S\n", connectors.Selection{}, 1, "header", `column 2 "orgunit" is not one of`},
		{"duplicate column", "p.csv", "email,name,Email\n", connectors.Selection{}, 1, "header", `column "email" appears twice`},
		{"header after comments", "p.csv", "# roster\nname\n", connectors.Selection{}, 2, "header", "no email column"},
		{"too many fields", "p.csv", "email,name\na@d.org,A\nb@d.org,B,extra\n", connectors.Selection{}, 3, "", "wrong number of fields"},
		{"too few fields", "p.csv", "email,name\na@d.org,A\nb@d.org\n", connectors.Selection{}, 3, "", "wrong number of fields"},
		{"bad quote", "p.csv", "email,name\na@d.org,A\nb@d.org,\"B\"x\n", connectors.Selection{}, 3, "", "extraneous or missing \" in quoted-field"},
		{"empty email", "p.csv", "email,name\na@d.org,A\n ,B\n", connectors.Selection{}, 3, "email", "is empty"},
		{"org unit not a path", "p.csv", "email,org_unit\na@d.org,Students\n", connectors.Selection{}, 2, "org_unit", `"Students" must be a path`},
		{"unknown role in a selected row", "p.csv", "email,role\na@d.org,student\nb@d.org,boss\n", connectors.Selection{}, 3, "role", `"boss" is not student, teacher or other`},
		{"malformed row outside the selection still fails", "p.csv", "email,org_unit\na@d.org,/S\nb@d.org,T\n", connectors.Selection{Units: []string{"/S"}}, 3, "org_unit", "must be a path"},
		{"a line after a multi-line field", "p.csv", "email,name\na@d.org,\"two\nlines\"\n,B\n", connectors.Selection{}, 4, "email", "is empty"},
		{"yaml unknown key", "p.yaml", "- email: a@d.org\n- email: b@d.org\n  orgunit: /S\n", connectors.Selection{}, 3, "[1].orgunit", "unknown field"},
		{"yaml not a list", "p.yaml", "email: a@d.org\n", connectors.Selection{}, 1, "", "expected a list of people"},
		{"yaml empty email", "p.yaml", "- email: a@d.org\n- name: B\n", connectors.Selection{}, 2, "email", "is empty"},
		{"yaml wrong type", "p.yaml", "- email: [a]\n", connectors.Selection{}, 1, "[0].email", "expected a string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, tc.file, tc.content, 1) // page size 1: pages go out before the bad row
			_, err := fetch(t, c, tc.sel)
			if err == nil {
				t.Fatal("Fetch returned nil for a malformed file")
			}
			var fe *config.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if fe.File != c.Path() || fe.Line != tc.line || fe.Field != tc.field || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("got %s:%d field %q: %v\nwant line %d field %q containing %q", fe.File, fe.Line, fe.Field, err, tc.line, tc.field, tc.text)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%s:%d: ", c.Path(), tc.line)) {
				t.Errorf("message does not start with file:line: %v", err)
			}
		})
	}
}

func TestFetchMissingFile(t *testing.T) {
	c := open(t, "people.csv", "email\n", 0)
	if err := os.Remove(c.Path()); err != nil {
		t.Fatal(err)
	}
	_, err := fetch(t, c, connectors.Selection{})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), c.Path()) {
		t.Errorf("Fetch of a missing file: %v", err)
	}
	if err := c.Check(context.Background()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Check of a missing file: %v", err)
	}
}

// A bad row late in the file proves rows are streamed: with pages of 10,
// the pages before the bad row are emitted before it is read. Fetch still
// returns the error, so the caller discards them.
func TestFetchStreams(t *testing.T) {
	var b strings.Builder
	b.WriteString("email\n")
	for i := range 100 {
		fmt.Fprintf(&b, "p%d@d.org\n", i)
	}
	b.WriteString("\"broken\n")
	c := open(t, "people.csv", b.String(), 10)
	pages, err := fetch(t, c, connectors.Selection{})
	if err == nil {
		t.Fatal("Fetch returned nil for a file with a broken last row")
	}
	if len(pages) != 10 {
		t.Errorf("%d pages emitted before the broken row, want 10: the file is not streamed", len(pages))
	}
}

func TestFetchCancel(t *testing.T) {
	var b strings.Builder
	b.WriteString("email\n")
	for i := range 50 {
		fmt.Fprintf(&b, "p%d@d.org\n", i)
	}
	c := open(t, "people.csv", b.String(), 10)

	ctx, cancel := context.WithCancel(context.Background())
	pages := 0
	err := c.Fetch(ctx, connectors.Selection{}, func([]connectors.Person) error {
		pages++
		if pages == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || pages != 2 {
		t.Errorf("cancelled after page 2: err %v, %d pages emitted", err, pages)
	}

	done, stop := context.WithCancel(context.Background())
	stop()
	if err := c.Fetch(done, connectors.Selection{}, func([]connectors.Person) error {
		t.Error("a page was emitted on a cancelled context")
		return nil
	}); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch on a cancelled context: %v", err)
	}

	// An error from emit ends the fetch with it.
	stopErr := errors.New("planner full")
	calls := 0
	err = c.Fetch(context.Background(), connectors.Selection{}, func([]connectors.Person) error {
		calls++
		return stopErr
	})
	if !errors.Is(err, stopErr) || calls != 1 {
		t.Errorf("emit error: %v after %d calls", err, calls)
	}
}

func TestFetchBadSelection(t *testing.T) {
	c := open(t, "people.csv", rosterCSV, 0)
	for _, sel := range []connectors.Selection{
		{Units: []string{"Students"}},
		{Options: map[string]string{"include_sub_org_units": "perhaps"}},
		{Options: map[string]string{"recursive": "true"}},
		{Roles: map[string]license.Role{"/Staff": "boss"}},
	} {
		if _, err := fetch(t, c, sel); err == nil {
			t.Errorf("selection %+v accepted", sel)
		}
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name, file, content string
		ok                  bool
	}{
		{"good csv", "p.csv", "email,name\n", true},
		{"rows are not read", "p.csv", "email\n\"broken\n", true},
		{"bad header", "p.csv", "mail\n", false},
		{"empty csv", "p.csv", "", false},
		{"good yaml", "p.yaml", "- email: a@d.org\n", true},
		{"yaml that is not a list", "p.yaml", "people: []\n", false},
		{"yaml syntax", "p.yaml", "- [\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, tc.file, tc.content, 0)
			if err := c.Check(context.Background()); (err == nil) != tc.ok {
				t.Errorf("Check: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestValidateSelection(t *testing.T) {
	c := open(t, "people.csv", rosterCSV, 0)
	cases := []struct {
		name    string
		sel     connectors.Selection
		missing []string // units reported missing; nil: valid
	}{
		{"everyone", connectors.Selection{}, nil},
		{"units with people in or below them", connectors.Selection{Units: []string{"/Students", "/Staff/Admin", "/"}}, nil},
		{"a parent holding no one directly", connectors.Selection{Units: []string{"/Students/High"}}, nil},
		{"a unit no one is in", connectors.Selection{Units: []string{"/Students", "/Teachers", "/Stud"}}, []string{`"/Teachers"`, `"/Stud"`}},
		{"exact units: a parent of people is not enough", connectors.Selection{Units: []string{"/Students/High/Labs", "/Students/Middle/Old"},
			Options: map[string]string{"include_sub_org_units": "false"}}, []string{`"/Students/Middle/Old"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.ValidateSelection(context.Background(), tc.sel)
			if tc.missing == nil {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, u := range tc.missing {
				if !strings.Contains(err.Error(), "is in "+u) {
					t.Errorf("error does not name %s: %v", u, err)
				}
			}
			if n := strings.Count(err.Error(), "no one in"); n != len(tc.missing) {
				t.Errorf("%d units reported, want %d: %v", n, len(tc.missing), err)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"csv by extension", Config{Path: "a.CSV"}, ""},
		{"yaml by extension", Config{Path: "a.yml"}, ""},
		{"format set", Config{Path: "people", Format: "YAML"}, ""},
		{"no path", Config{}, "path: is required"},
		{"unknown extension", Config{Path: "people.txt"}, "format: cannot tell"},
		{"bad format", Config{Path: "a.csv", Format: "xlsx"}, `format: "xlsx" must be csv or yaml`},
		{"negative page size", Config{Path: "a.csv", PageSize: -1}, "page_size: -1"},
		{"huge page size", Config{Path: "a.csv", PageSize: 1 << 30}, "page_size"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("Validate = %v, want %q", err, tc.err)
			}
			_, oerr := tc.cfg.Open(connectors.OpenOptions{})
			if (err == nil) != (oerr == nil) {
				t.Errorf("Open disagrees with Validate: %v vs %v", oerr, err)
			}
		})
	}
	c, err := (&Config{Path: "sub/people.csv"}).Open(connectors.OpenOptions{BaseDir: "/etc/rollcall"})
	if err != nil || c.(*Connector).Path() != "/etc/rollcall/sub/people.csv" || c.(*Connector).pageSize != DefaultPageSize {
		t.Errorf("Open: %v %+v", err, c)
	}
}
