package scim

import (
	"net/url"
	"testing"
	"time"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

// Any PATCH body either applies or is refused with a SCIM error; none
// panics, and a refused one leaves the document as it was.
func FuzzPatch(f *testing.F) {
	for _, seed := range []string{
		`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b.org"}]}`,
		`{"Operations":[{"op":"add","value":{"name.givenName":"A","active":"False"}}]}`,
		`{"Operations":[{"op":"remove","path":"members[value eq \"1\"]"}]}`,
		`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"X"}]}`,
		`{"Operations":[{"op":"add","path":"emails","value":{"value":"x@y.org"}}]}`,
		`{"Operations":[]}`, `[]`, `{"Operations":[{"op":"replace","path":"name","value":7}]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		doc := map[string]any{"userName": "a@b.org", "emails": []any{map[string]any{"type": "work", "value": "a@b.org"}}}
		before := cloneDoc(doc)
		ops, err := decodePatch([]byte(body))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("decode error %T %v is not a SCIM error", err, err)
			}
			return
		}
		if _, err := applyPatch(KindUser, doc, ops); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("patch error %T %v is not a SCIM error", err, err)
			}
		}
		if len(cloneDoc(doc)) != len(before) {
			t.Fatal("applyPatch changed its input")
		}
	})
}

// Any filter either parses and evaluates or is refused as invalidFilter.
func FuzzFilter(f *testing.F) {
	for _, seed := range []string{`userName eq "a"`, `emails[type eq "work"]`, `active eq true and not (x pr)`, `meta.created gt "2020"`, `(`} {
		f.Add(seed)
	}
	r := Resource{Kind: KindUser, ID: "1", Created: time.Now(), Doc: map[string]any{"userName": "a", "active": true,
		"emails": []any{map[string]any{"type": "work", "value": "a@b.org"}}}}
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := parseFilter(raw)
		if err != nil {
			return
		}
		if _, err := match(KindUser, r, e); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("match error %T %v is not a SCIM error", err, err)
			}
		}
	})
}
