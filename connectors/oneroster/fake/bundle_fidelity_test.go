package fake

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
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
