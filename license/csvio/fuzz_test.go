package csvio

import (
	"bytes"
	"errors"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// FuzzReadImport checks that no file panics the reader, that an accepted
// file gives valid, distinct people on lines that exist, and that a refused
// one says why in a known way, pointing at lines that exist.
func FuzzReadImport(f *testing.F) {
	for _, s := range []string{
		Sample(),
		"\xef\xbb\xbfEmail Address,Name,Role\r\nann@a.org,\"Lee, Ann\",teacher\r\n",
		"ann@a.org\n\nbob@a.org,Bob,student\n",
		"email,name\nann@a.org,\"multi\nline\"\nbad@\n",
		"email,phone\n",
		"ann@a.org,'=HYPERLINK(x),other\n",
		"a,b\"c\n\"unclosed\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		rows, err := ReadImport(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			var ie *ImportError
			switch {
			case errors.As(err, &ie):
				if len(ie.Rows) == 0 {
					t.Fatalf("ImportError with no rows: %v", err)
				}
				for _, r := range ie.Rows {
					if r.Line < 1 || r.Line > lines || r.Reason == "" {
						t.Fatalf("row error %+v outside the file's %d lines or without a reason", r, lines)
					}
				}
			case errors.Is(err, license.ErrInvalid), errors.Is(err, ErrTooLarge):
			default:
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			if rows != nil {
				t.Fatalf("rows %v returned with error %v", rows, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if e, err := license.NormalizeEmail(r.Email); err != nil || e != r.Email {
				t.Fatalf("row %+v: email not normalized (%v)", r, err)
			}
			if !r.Role.Valid() {
				t.Fatalf("row %+v: invalid role", r)
			}
			if r.Line < 1 || r.Line > lines {
				t.Fatalf("row %+v: line outside the file's %d lines", r, lines)
			}
			if seen[r.Email] {
				t.Fatalf("row %+v: email listed twice", r)
			}
			seen[r.Email] = true
		}
	})
}
