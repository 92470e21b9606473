package fake

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// csvTable reads CSV-FIDELITY.md: file → name → the versions it is
// documented for.
func csvTable(t *testing.T) map[string]map[string][]string {
	t.Helper()
	b, err := os.ReadFile("CSV-FIDELITY.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	line, header := 0, false
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(text, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case cells[0] == "file":
			header = true
			continue
		case strings.Trim(cells[0], "- ") == "":
			continue
		case !header || len(cells) != 4 || cells[1] == "" || cells[2] == "" || cells[3] == "":
			t.Fatalf("CSV-FIDELITY.md:%d: want | file | name | versions | source | with every cell filled: %q", line, text)
		}
		if out[cells[0]] == nil {
			out[cells[0]] = map[string][]string{}
		}
		if _, dup := out[cells[0]][cells[1]]; dup {
			t.Fatalf("CSV-FIDELITY.md:%d: %s %s listed twice", line, cells[0], cells[1])
		}
		for v := range strings.SplitSeq(cells[2], ",") {
			out[cells[0]][cells[1]] = append(out[cells[0]][cells[1]], strings.TrimSpace(v))
		}
	}
	if len(out) < 5 {
		t.Fatalf("CSV-FIDELITY.md lists %d files", len(out))
	}
	return out
}

// TestBundleFidelity writes bundles in every shape and checks each file,
// column and manifest property against CSV-FIDELITY.md, for the version
// written; and that every row of the table is written by some shape.
func TestBundleFidelity(t *testing.T) {
	table := csvTable(t)
	written := map[string]bool{}
	d := Generate(5, 40, 3)
	for _, version := range []string{"1.1", "1.2"} {
		for _, ext := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/extensions=%v", version, ext), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "bundle")
				if err := WriteBundle(d, dir, BundleOptions{Version: version, Extensions: ext, ShuffleSeed: 3, BOM: ext}); err != nil {
					t.Fatal(err)
				}
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					file := e.Name()
					b, err := os.ReadFile(filepath.Join(dir, file))
					if err != nil {
						t.Fatal(err)
					}
					recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
					if err != nil || len(recs) == 0 {
						t.Fatalf("%s: %v", file, err)
					}
					names := recs[0]
					if file == "manifest.csv" {
						for _, r := range recs[1:] {
							names = append(names, "property:"+r[0])
						}
					}
					cols, ok := table[file]
					if !ok {
						t.Errorf("the bundle has %s, which CSV-FIDELITY.md does not list", file)
						continue
					}
					for _, n := range names {
						vs, ok := cols[n]
						switch {
						case !ok:
							t.Errorf("%s: %q is written but not in CSV-FIDELITY.md", file, n)
						case !strings.Contains(strings.Join(vs, ","), version):
							t.Errorf("%s: %q is written in a %s bundle, but CSV-FIDELITY.md has it for %v only", file, n, version, vs)
						}
						written[file+" "+n] = true
					}
				}
			})
		}
	}
	for file, cols := range table {
		for n := range cols {
			if !written[file+" "+n] {
				t.Errorf("CSV-FIDELITY.md lists %s %q, which no bundle writes", file, n)
			}
		}
	}
}

// readCSV reads one file of a bundle folder as header-keyed rows.
func readCSV(t *testing.T, dir, file string) []map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v", file, err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// roles.csv holds what the 1.2 CSV binding says: each user's roles per
// org, one primary per user with an org, values from the binding's
// vocabularies, references to users.csv and orgs.csv. 1.1 bundles have
// no roles.csv (users.csv's role says it); NoRoles leaves it absent.
func TestRolesFile(t *testing.T) {
	d := Generate(5, 40, 3)
	d.Users[0].OrgRoles = []OrgRole{{Org: d.Users[0].Orgs[0], Role: "counselor"}, {Org: "dst-1", Role: "districtAdministrator", EndDate: "2021-06-30"}}
	vocab := []string{"aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor", "relative",
		"siteAdministrator", "student", "systemAdministrator", "teacher"}
	for _, tc := range []struct {
		version   string
		noRoles   bool
		wantRoles bool
	}{{"1.1", false, false}, {"1.2", false, true}, {"1.2", true, false}} {
		t.Run(fmt.Sprintf("%s/noRoles=%v", tc.version, tc.noRoles), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bundle")
			if err := WriteBundle(d, dir, BundleOptions{Version: tc.version, NoRoles: tc.noRoles}); err != nil {
				t.Fatal(err)
			}
			mode := ""
			for _, r := range readCSV(t, dir, "manifest.csv") {
				if r["propertyName"] == "file.roles" {
					mode = r["value"]
				}
			}
			_, statErr := os.Stat(filepath.Join(dir, "roles.csv"))
			switch {
			case !tc.wantRoles && statErr == nil:
				t.Fatal("roles.csv written")
			case !tc.wantRoles && tc.version == "1.2" && mode != "absent":
				t.Fatalf("file.roles = %q, want absent", mode)
			case !tc.wantRoles:
				return
			case mode != "bulk":
				t.Fatalf("file.roles = %q, want bulk", mode)
			}
			users := map[string]bool{}
			for _, u := range readCSV(t, dir, "users.csv") {
				users[u["sourcedId"]] = true
			}
			orgs := map[string]bool{}
			for _, o := range readCSV(t, dir, "orgs.csv") {
				orgs[o["sourcedId"]] = true
			}
			primaries := map[string]int{}
			rows := readCSV(t, dir, "roles.csv")
			seenCounselor, seenEnded := false, false
			for i, r := range rows {
				if !users[r["userSourcedId"]] || !orgs[r["orgSourcedId"]] || r["sourcedId"] == "" {
					t.Errorf("roles.csv row %d refers to nothing: %v", i+2, r)
				}
				if !slices.Contains(vocab, r["role"]) {
					t.Errorf("roles.csv row %d: role %q is not in the 1.2 vocabulary", i+2, r["role"])
				}
				switch r["roleType"] {
				case "primary":
					primaries[r["userSourcedId"]]++
				case "secondary":
				default:
					t.Errorf("roles.csv row %d: roleType %q", i+2, r["roleType"])
				}
				seenCounselor = seenCounselor || (r["userSourcedId"] == d.Users[0].SourcedID && r["role"] == "counselor" && r["roleType"] == "secondary")
				seenEnded = seenEnded || (r["role"] == "districtAdministrator" && r["endDate"] == "2021-06-30")
			}
			for _, u := range d.Users {
				if n := primaries[u.SourcedID]; (len(u.Orgs) > 0) != (n == 1) {
					t.Errorf("%s has %d orgs and %d primary roles", u.SourcedID, len(u.Orgs), n)
				}
			}
			if !seenCounselor || !seenEnded {
				t.Errorf("OrgRoles not written: counselor %v, ended %v", seenCounselor, seenEnded)
			}
		})
	}
}
