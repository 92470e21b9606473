package csvio

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

func TestReadImport(t *testing.T) {
	const (
		st = license.RoleStudent
		te = license.RoleTeacher
		ot = license.RoleOther
	)
	tests := []struct {
		name string
		in   string
		want []Row
	}{
		{"header", "email,name,role\nann@a.org,Ann,teacher\nbob@a.org,Bob,student\n",
			[]Row{{2, "ann@a.org", "Ann", te}, {3, "bob@a.org", "Bob", st}}},
		{"no header", "ann@a.org,Ann,teacher\nbob@a.org\n",
			[]Row{{1, "ann@a.org", "Ann", te}, {2, "bob@a.org", "", st}}},
		{"bom crlf", "\xef\xbb\xbfEmail,Name\r\nann@a.org,Ann\r\n",
			[]Row{{2, "ann@a.org", "Ann", st}}},
		{"bom without header", "\xef\xbb\xbfann@a.org\r\n", []Row{{1, "ann@a.org", "", st}}},
		{"header any order and case", "ROLE, Name ,Email Address\nOther,Ann,ANN@A.ORG\n",
			[]Row{{2, "ann@a.org", "Ann", ot}}},
		{"google export header", "First Name [Required],Last Name [Required],Email Address [Required]\nAnn,Lee,ann@a.org\n",
			[]Row{{2, "ann@a.org", "Ann Lee", st}}},
		{"export columns ignored", "email,name,role,org_unit,sources,added\nann@a.org,Ann,teacher,/Staff,manual;csv:1,2026-09-01\n",
			[]Row{{2, "ann@a.org", "Ann", te}}},
		{"quoted comma and newline", "email,name\nann@a.org,\"Lee, Ann\"\nbob@a.org,\"Bob\nSmith\"\ncy@a.org,Cy\n",
			[]Row{{2, "ann@a.org", "Lee, Ann", st}, {3, "bob@a.org", "Bob\nSmith", st}, {5, "cy@a.org", "Cy", st}}},
		{"quoted quote", "email,name\nann@a.org,\"Ann \"\"Al\"\" Lee\"\n", []Row{{2, "ann@a.org", `Ann "Al" Lee`, st}}},
		{"blank lines and spaces", "\n  \nemail , role\n\n  ann@a.org ,  TEACHER \n , \n,,\n bob@a.org, \n\n",
			[]Row{{5, "ann@a.org", "", te}, {8, "bob@a.org", "", st}}},
		{"space before a quoted cell", `ann@a.org, "Lee, Ann"`, []Row{{1, "ann@a.org", "Lee, Ann", st}}},
		{"trailing commas", "email,name,\nann@a.org,Ann,,\n", []Row{{2, "ann@a.org", "Ann", st}}},
		{"duplicates fold", "email,name,role\nann@a.org,,student\nbob@a.org,Bob,\nANN@a.org,Ann,teacher\nann@a.org,Annie,other\n",
			[]Row{{2, "ann@a.org", "Ann", te}, {3, "bob@a.org", "Bob", st}}},
		{"neutralised cells", "email,name\nann@a.org,\"'=HYPERLINK(\"\"x\"\")\"\nbob@a.org,'-1\ncy@a.org,'@x\nd@a.org,'plain\ne@a.org,''+2\n",
			[]Row{{2, "ann@a.org", `=HYPERLINK("x")`, st}, {3, "bob@a.org", "-1", st}, {4, "cy@a.org", "@x", st},
				{5, "d@a.org", "'plain", st}, {6, "e@a.org", "'+2", st}}},
		{"neutralised email", "'-x@a.org\n", []Row{{1, "-x@a.org", "", st}}},
		{"no final newline", "email\nann@a.org", []Row{{2, "ann@a.org", "", st}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadImport(strings.NewReader(tt.in), "users.csv")
			if err != nil {
				t.Fatalf("ReadImport: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ReadImport =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestReadImportSample(t *testing.T) {
	rows, err := ReadImport(strings.NewReader(Sample()), "sample.csv")
	if err != nil {
		t.Fatalf("the sample does not import: %v", err)
	}
	roles := map[license.Role]bool{}
	for _, r := range rows {
		roles[r.Role] = true
	}
	if len(rows) < 3 || len(roles) != len(license.Roles) {
		t.Errorf("sample has %d rows and roles %v; want a few rows showing every role", len(rows), roles)
	}
	if !strings.HasPrefix(Sample(), "email,name,role") {
		t.Errorf("sample does not start with its header: %q", Sample())
	}
}

func TestReadImportBadRows(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []RowError // Reason is matched as a substring
	}{
		{"local part over 64", "email\n" + strings.Repeat("a", 65) + "@a.org\n",
			[]RowError{{Line: 2, Column: 1, Field: "email", Reason: "RFC 5321 allows 64"}}},
		{"NUL in a name", "email,name\nann@a.org,An\x00n\n",
			[]RowError{{Line: 2, Column: 2, Field: "name", Reason: "control character U+0000"}}},
		{"escape in a name", "email,name\nann@a.org,An\x1bn\n",
			[]RowError{{Line: 2, Column: 2, Field: "name", Reason: "control character U+001B"}}},
		{"bad email", "email,name\nann@a.org,Ann\nbob@,Bob\n",
			[]RowError{{Line: 3, Column: 1, Field: "email", Value: "bob@", Reason: "not a valid address"}}},
		{"empty email", "email,name\n,Bob\n",
			[]RowError{{Line: 2, Column: 1, Field: "email", Value: "", Reason: "is empty"}}},
		{"display name form", "\"Ann <ann@a.org>\"\n",
			[]RowError{{Line: 1, Column: 1, Field: "email", Value: "Ann <ann@a.org>", Reason: "not a valid address"}}},
		{"bad role", "email,name,role\nann@a.org,Ann,admin\n",
			[]RowError{{Line: 2, Column: 3, Field: "role", Value: "admin", Reason: "student, teacher or other"}}},
		{"every bad row, in order", "ann@a.org,Ann,boss\nnot-an-email\nok@a.org\n\"x\ny\",,\nbad,,student\n",
			[]RowError{
				{Line: 1, Column: 3, Field: "role", Value: "boss", Reason: "must be"},
				{Line: 2, Column: 1, Field: "email", Value: "not-an-email", Reason: "not a valid"},
				{Line: 4, Column: 1, Field: "email", Value: "x\ny", Reason: "not a valid"},
				{Line: 6, Column: 1, Field: "email", Value: "bad", Reason: "not a valid"},
			}},
		{"two problems in one row", "email,role\nx,boss\n",
			[]RowError{{Line: 2, Column: 1, Field: "email", Value: "x"}, {Line: 2, Column: 2, Field: "role", Value: "boss"}}},
		{"unknown header column", "email,Phone,name,Grade\nann@a.org,1,Ann,2\n",
			[]RowError{{Line: 1, Column: 2, Field: "header", Value: "Phone", Reason: "unknown column"},
				{Line: 1, Column: 4, Field: "header", Value: "Grade", Reason: "unknown column"}}},
		{"header twice", "email,Email Address\n",
			[]RowError{{Line: 1, Column: 2, Field: "header", Value: "Email Address", Reason: "same column as column 1"}}},
		{"header without email", "\nname,role\nAnn,teacher\n",
			[]RowError{{Line: 2, Field: "header", Reason: "no email column"}}},
		{"cell beyond the columns", "ann@a.org,Ann,teacher,x\n",
			[]RowError{{Line: 1, Column: 4, Value: "x", Reason: "column 4 has no header"}}},
		{"cell under an empty header", "email,,name\nann@a.org,x,Ann\n",
			[]RowError{{Line: 2, Column: 2, Value: "x", Reason: "column 2 has no header"}}},
		{"bare quote", "email,name\nann@a.org,Ann \"Al\" Lee\nbob@\n",
			[]RowError{{Line: 2, Reason: `a " inside a cell`}, {Line: 3, Column: 1, Field: "email", Value: "bob@"}}},
		{"unclosed quote", "email,name\nann@a.org,\"Ann\nbob@a.org,Bob\n",
			[]RowError{{Line: 2, Reason: "not closed"}}},
		{"name too long", "ann@a.org," + strings.Repeat("n", MaxNameLen+1) + "\n",
			[]RowError{{Line: 1, Column: 2, Field: "name", Reason: "longer than 200"}}},
		{"name not utf-8", "ann@a.org,Zo\xeb\n",
			[]RowError{{Line: 1, Column: 2, Field: "name", Value: "Zo\xeb", Reason: "UTF-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ReadImport(strings.NewReader(tt.in), "users.csv")
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("ReadImport = %v, %v; want an *ImportError", rows, err)
			}
			if rows != nil {
				t.Errorf("ReadImport returned rows %v with an error", rows)
			}
			if !errors.Is(err, license.ErrInvalid) {
				t.Errorf("error %v does not wrap license.ErrInvalid", err)
			}
			if ie.File != "users.csv" || !strings.HasPrefix(err.Error(), "users.csv: ") {
				t.Errorf("error does not name the file: %v", err)
			}
			if len(ie.Rows) != len(tt.want) {
				t.Fatalf("got %d row errors, want %d: %v", len(ie.Rows), len(tt.want), err)
			}
			for i, w := range tt.want {
				g := ie.Rows[i]
				if g.Line != w.Line || g.Column != w.Column || g.Field != w.Field || (w.Value != "" && g.Value != w.Value) ||
					!strings.Contains(g.Reason, w.Reason) {
					t.Errorf("row error %d = %+v, want %+v", i, g, w)
				}
			}
			// The summary names the first row's line, and its column and field when it has them.
			first := ie.Rows[0]
			msg := err.Error()
			for _, part := range []string{fmt.Sprintf("line %d", first.Line), first.Reason} {
				if !strings.Contains(msg, part) {
					t.Errorf("error %q does not mention %q", msg, part)
				}
			}
			if first.Column > 0 && !strings.Contains(msg, fmt.Sprintf("column %d", first.Column)) {
				t.Errorf("error %q does not name column %d", msg, first.Column)
			}
			if first.Field != "" && !strings.Contains(msg, "("+first.Field+")") {
				t.Errorf("error %q does not name field %s", msg, first.Field)
			}
		})
	}
}

func TestReadImportCapsRowErrors(t *testing.T) {
	const bad = MaxRowErrors + 234
	var b strings.Builder
	for i := range bad {
		fmt.Fprintf(&b, "user%d@\n", i)
	}
	_, err := ReadImport(strings.NewReader(b.String()), "big.csv")
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("ReadImport: %v, want an *ImportError", err)
	}
	if len(ie.Rows) != MaxRowErrors || ie.More != bad-MaxRowErrors {
		t.Errorf("ImportError has %d rows and %d more, want %d and %d", len(ie.Rows), ie.More, MaxRowErrors, bad-MaxRowErrors)
	}
	if last := ie.Rows[len(ie.Rows)-1]; last.Line != MaxRowErrors {
		t.Errorf("last listed error is on line %d, want %d", last.Line, MaxRowErrors)
	}
	msg := err.Error()
	for _, part := range []string{fmt.Sprintf("%d problems", bad), fmt.Sprintf("and %d more", bad-3), "line 1,", "line 2,", "line 3,"} {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q does not mention %q", msg, part)
		}
	}
	if strings.Contains(msg, "line 4,") {
		t.Errorf("error %q spells out more than three rows", msg)
	}
}

func TestReadImportNothingToImport(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "line 1: no rows: the file is empty"},
		{"\xef\xbb\xbf", "line 1: no rows: the file is empty"},
		{"\n\n", "line 1: no rows: the file has only blank lines"},
		{" , ,\n", "line 1: no rows: the file has only blank lines"},
		{"email,name,role\r\n", "line 1 (header): no rows"},
		{"\n\nemail,name,role\n\n", "line 3 (header): no rows"},
	}
	for _, tt := range tests {
		_, err := ReadImport(strings.NewReader(tt.in), "empty.csv")
		var ie *ImportError
		if !errors.As(err, &ie) || !errors.Is(err, license.ErrInvalid) || !strings.Contains(err.Error(), "empty.csv") ||
			!strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadImport(%q) = %v; want an ImportError naming the file and %q", tt.in, err, tt.want)
		}
	}
}

// repeat is an endless file of rows.
type repeat struct{ n int }

func (r *repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "a@b.org\n"[r.n%8]
		r.n++
	}
	return len(p), nil
}

func TestReadImportLimits(t *testing.T) {
	// Exactly at each limit is fine; one more is refused, naming the limit.
	rows := strings.Repeat("a@b.org\n", 10)
	if _, err := readImport(strings.NewReader(rows), "f.csv", 10, int64(len(rows))); err != nil {
		t.Errorf("file exactly at the limits: %v", err)
	}
	tests := []struct {
		name string
		r    io.Reader
		rows int
		size int64
		want string
	}{
		{"rows", strings.NewReader(rows + "c@d.org\n"), 10, 1 << 20, "f.csv: line 11: more than 10 rows"},
		{"bytes", strings.NewReader(rows + "c"), 100, int64(len(rows)), fmt.Sprintf("f.csv: larger than the limit of %d bytes", len(rows))},
		{"endless", &repeat{}, MaxRows, 1 << 20, "f.csv: larger than the limit of 1 MiB"},
	}
	for _, tt := range tests {
		_, err := readImport(tt.r, "f.csv", tt.rows, tt.size)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want ErrTooLarge saying %q", tt.name, err, tt.want)
		}
	}
}
