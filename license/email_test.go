package license

import (
	"strings"
	"testing"
)

// FuzzPlainEmail: the fast path accepts only what the full check accepts,
// and gives the same address.
func FuzzPlainEmail(f *testing.F) {
	for _, s := range []string{"ann@school.example.org", "Ann.Lee@School.Example.ORG", "o'neil+x@a.b", "a..b@c.d", ".a@b.c", "a.@b.c",
		"a@b", "a@-b.c", "a@b-.c", "\"a b\"@c.d", "a@b@c.d", " a@b.c", "é@b.c", "a@b.c.", "x@" + strings.Repeat("a", 64) + ".org", "a_b%c@d.e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := plainEmail(s)
		slow, err := normalizeEmail(s)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("plainEmail accepted %q as %q; the full check says %v", s, fast, err)
		}
		if fast != slow {
			t.Fatalf("%q: plainEmail %q, full check %q", s, fast, slow)
		}
	})
}

func TestPlainEmailTakesTheCommonForms(t *testing.T) {
	for _, s := range []string{"ann@school.example.org", "Ann.Lee@School.Example.ORG", "o'neil+x@a.b-c.org", "p12345@k12.example.us"} {
		if _, ok := plainEmail(s); !ok {
			t.Errorf("%q goes the long way", s)
		}
	}
	for _, s := range []string{"a..b@c.d", " a@b.c", "é@b.c", "Ann <a@b.c>", "a@b"} {
		if e, ok := plainEmail(s); ok {
			t.Errorf("%q taken by the fast path as %q", s, e)
		}
	}
}

func BenchmarkNormalizeEmail(b *testing.B) {
	for _, bc := range []struct {
		name string
		fn   func(string) (string, error)
	}{{"fast", NormalizeEmail}, {"full", normalizeEmail}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := bc.fn("pupil.number12345@students.example-district.org"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
