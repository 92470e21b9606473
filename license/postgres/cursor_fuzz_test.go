package postgres

import (
	"errors"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// FuzzDecodeCursor: a cursor from a client is untrusted input. Anything
// decodeCursor accepts re-encodes to the same cursor; anything it refuses
// is ErrInvalid naming the cursor field; nothing panics.
func FuzzDecodeCursor(f *testing.F) {
	for _, seed := range []string{
		encodeCursor(license.SortEmail, false, position{"", "ann@x.org"}),
		encodeCursor(license.SortName, true, position{"ann smith", "ann@x.org"}),
		encodeCursor(license.SortAdded, false, position{"1700000000000000000", "bo@x.org"}),
		"", "!", "ZWEA", "%%%",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cur string) {
		for _, field := range license.SortFields {
			for _, desc := range []bool{false, true} {
				p, err := decodeCursor(field, desc, cur)
				if err != nil {
					var fe *license.FieldError
					if !errors.Is(err, license.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "cursor" {
						t.Fatalf("decodeCursor(%s, %v, %q) = %v: want a cursor field error", field, desc, cur, err)
					}
					continue
				}
				if p.email == "" {
					t.Fatalf("decodeCursor(%s, %v, %q) accepted a cursor without an email", field, desc, cur)
				}
				if again := encodeCursor(field, desc, p); again != cur {
					if q, err := decodeCursor(field, desc, again); err != nil || q != p {
						t.Fatalf("cursor %q decodes to %+v, which re-encodes to %q decoding to %+v, %v", cur, p, again, q, err)
					}
				}
			}
		}
	})
}
