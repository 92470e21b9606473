package canvas

import (
	"strings"
	"testing"
)

func TestParseLink(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   map[string]string
	}{
		{"canvas bookmarks, no last", []string{`<https://c.example/api/v1/courses/1/enrollments?page=bookmark:WyJTdHVkZW50IiwiQSIsM10&per_page=100>; rel="current",<https://c.example/api/v1/courses/1/enrollments?page=bookmark:WyJTdHVkZW50IiwiQiIsNF0&per_page=100>; rel="next",<https://c.example/api/v1/courses/1/enrollments?page=first&per_page=100>; rel="first"`},
			map[string]string{"current": "https://c.example/api/v1/courses/1/enrollments?page=bookmark:WyJTdHVkZW50IiwiQSIsM10&per_page=100",
				"next":  "https://c.example/api/v1/courses/1/enrollments?page=bookmark:WyJTdHVkZW50IiwiQiIsNF0&per_page=100",
				"first": "https://c.example/api/v1/courses/1/enrollments?page=first&per_page=100"}},
		{"numbered, spaces and newlines", []string{"</a?page=2>; rel=\"next\",\n  </a?page=1>; rel=\"first\",\n  </a?page=5>; rel=\"last\""},
			map[string]string{"next": "/a?page=2", "first": "/a?page=1", "last": "/a?page=5"}},
		{"several header lines", []string{`</a?page=2>; rel="next"`, `</a?page=9>; rel="last"`},
			map[string]string{"next": "/a?page=2", "last": "/a?page=9"}},
		{"commas and semicolons in the URL", []string{`</a?x=1,2;y=3>; rel="next", </b>; rel="first"`},
			map[string]string{"next": "/a?x=1,2;y=3", "first": "/b"}},
		{"rel case, unquoted, several rels", []string{`</a>; REL=Next, </b>; type="text/html"; rel="prev first"`},
			map[string]string{"next": "/a", "prev": "/b", "first": "/b"}},
		{"quoted comma in a parameter", []string{`</a>; title="x, y"; rel="next"`}, map[string]string{"next": "/a"}},
		{"first of a rel wins", []string{`</a>; rel="next", </b>; rel="next"`}, map[string]string{"next": "/a"}},
		{"no rel, empty target, junk", []string{`</a>; title="x", <>; rel="next", garbage, <`}, map[string]string{}},
		{"empty", nil, map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := parseLink(tc.values)
			if len(got) != len(tc.want) {
				t.Errorf("parseLink = %v, want %v", got, tc.want)
			}
			for rel, w := range tc.want {
				if got[rel] != w {
					t.Errorf("rel %s = %q, want %q", rel, got[rel], w)
				}
			}
		})
	}
}

// FuzzParseLink: any header parses without panicking, and a well-formed
// next link put in front of any header is found whatever follows it.
func FuzzParseLink(f *testing.F) {
	f.Add(`</a?page=2>; rel="next"`, "/courses/1/enrollments?page=bookmark:abc", "next")
	f.Add(`<x>; rel=last, <y>; rel="prev first"`, "https://c.example/a?b=1,2", "NEXT")
	f.Add(`"<>;,rel=`, "/a;b", "current")
	f.Fuzz(func(t *testing.T, header, target, rel string) {
		_ = parseLink([]string{header})
		target = strings.TrimSpace(target)
		if target == "" || strings.ContainsAny(target, "<>") || rel == "" ||
			strings.IndexFunc(rel, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) >= 0 {
			return
		}
		got := parseLink([]string{"<" + target + `>; rel="` + rel + `"`, header})
		if got[strings.ToLower(rel)] != target {
			t.Fatalf("rel %q = %q, want %q (header %q)", rel, got[strings.ToLower(rel)], target, header)
		}
	})
}
