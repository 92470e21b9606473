package query

import (
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// members is a small roster covering each column: wildcards in names,
// non-ASCII, several claims, every kind of source.
func members() []license.Member {
	return []license.Member{
		{Email: "thomas.anderson@hs.district.org", Name: "Thomas Anderson", Role: license.RoleStudent, OrgUnit: "/Students/HS",
			Added: day("2026-09-01T08:00:00Z"), Claims: []license.Claim{{Source: "google-directory/hs"}}},
		{Email: "mthomas@district.org", Name: "Maria Thomas", Role: license.RoleTeacher, OrgUnit: "/Staff",
			Added: day("2026-08-15T12:00:00Z"), Claims: []license.Claim{{Source: "csv:20260815-abcde"}, {Source: "manual"}}},
		{Email: "tom@example.com", Name: "Tom Ng", Role: license.RoleOther,
			Added: day("2026-09-01T23:59:59Z"), Claims: []license.Claim{{Source: "key"}}},
		{Email: "zoe@hs.district.org", Name: "Zoë Ölberg", Role: license.RoleStudent, OrgUnit: "/Students/HS",
			Added: day("2025-01-01T00:00:00Z"), Claims: []license.Claim{{Source: "domain:hs.district.org"}, {Source: "canvas/course-1"}}},
		{Email: "pct@example.com", Name: "100% Sure", Role: license.RoleStudent,
			Added: day("2026-09-02T00:00:00Z"), Claims: []license.Claim{{Source: "canvas/course-1"}}},
	}
}

func TestMatch(t *testing.T) {
	const (
		thomas = "thomas.anderson@hs.district.org"
		maria  = "mthomas@district.org"
		tom    = "tom@example.com"
		zoe    = "zoe@hs.district.org"
		pct    = "pct@example.com"
	)
	all := []string{thomas, maria, tom, zoe, pct}
	tests := []struct {
		q    string
		want []string
	}{
		{"", all},
		{"%Thomas%", []string{thomas, maria}},
		{"thomas", []string{thomas, maria}},
		{"THOMAS%", []string{thomas}},           // name or email starting with thomas
		{"%thomas", []string{maria}},            // name ending in thomas
		{"t_m%", []string{tom}},                 // Tom Ng, tom@
		{"%ölberg", []string{zoe}},              // case folding beyond ASCII
		{`100\%%`, []string{pct}},               // an escaped %
		{"100%", []string{pct}},                 // 100 then anything
		{"ng", []string{tom}},                   // contains, in the name only
		{"example.com", []string{tom, pct}},     // contains, in the email
		{"thomas anderson", []string{thomas}},   // two terms side by side: and
		{`"thomas anderson"`, []string{thomas}}, // one quoted term
		{`"maria thomas" or tom%`, []string{maria, tom}},
		{"role is student", []string{thomas, zoe, pct}},
		{"role is not student", []string{maria, tom}},
		{"not role is student", []string{maria, tom}},
		{"role is teacher or role is other", []string{maria, tom}},
		{"name is 'tom ng'", []string{tom}},
		{"name is not 'tom ng'", []string{thomas, maria, zoe, pct}},
		{"name contains 100%", []string{pct}}, // contains is literal
		{"name contains 'a t'", []string{maria}},
		{"name not contains o", []string{pct}},
		{"name like m%", []string{maria}},
		{"name not like %s", []string{thomas, tom, zoe, pct}}, // Maria Thomas ends in s
		{"email is MTHOMAS@District.org", []string{maria}},
		{"email like %@hs.%", []string{thomas, zoe}},
		{"domain is district.org", []string{maria}},
		{"domain is not district.org", []string{thomas, tom, zoe, pct}},
		{"domain contains district", []string{thomas, maria, zoe}},
		{"ou is /students/hs", []string{thomas, zoe}},
		{"org_unit like /Students/%", []string{thomas, zoe}},
		{"orgunit is ''", []string{tom, pct}},
		{"source is manual", []string{maria}},
		{"source is csv", []string{maria}},
		{"source is csv:20260815-abcde", []string{maria}},
		{"source is key", []string{tom}},
		{"source is domain", []string{zoe}},
		{"source is deployment", []string{thomas, zoe, pct}},
		{"source is canvas/course-1", []string{zoe, pct}},
		{"source is not canvas/course-1", []string{thomas, maria, tom}},
		{"source is GOOGLE-directory/HS", []string{thomas}},
		{"source contains canvas", []string{zoe, pct}},
		{"source not contains canvas", []string{thomas, maria, tom}},
		{"source like %/%", []string{thomas, zoe, pct}},
		{"source not like csv:%", []string{thomas, tom, zoe, pct}},
		{"added is 2026-09-01", []string{thomas, tom}},
		{"added is 2026-09-01T15:00:00+02:00", []string{thomas, tom}},
		{"added is not 2026-09-01", []string{maria, zoe, pct}},
		{"added before 2026-09-01", []string{maria, zoe}},
		{"added after 2026-09-01", []string{pct}},
		{"added after 2026-09-01T08:00:00Z", []string{tom, pct}},
		{"added before 2026-09-01T08:00:00Z", []string{maria, zoe}},
		{"added after 2026-09-01T07:59:59.5Z", []string{thomas, tom, pct}},
		// Precedence: and before or; not on one term; parentheses.
		{"role is teacher or role is student and source is deployment", []string{thomas, maria, zoe, pct}},
		{"(role is teacher or role is student) and source is deployment", []string{thomas, zoe, pct}},
		{"role is student source is domain or tom", []string{tom, zoe}},
		{"not (role is student or source is key)", []string{maria}},
		{"not role is student or source is key", []string{maria, tom}},
		{"not not tom", []string{tom}},
	}
	ms := members()
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		// The canonical form must select the same members.
		canon, err := Parse(q.String())
		if err != nil {
			t.Errorf("Parse(%q), canonical form of %q: %v", q.String(), tt.q, err)
			continue
		}
		var got, gotCanon []string
		for i := range ms {
			if q.Match(&ms[i]) {
				got = append(got, ms[i].Email)
			}
			if canon.Match(&ms[i]) {
				gotCanon = append(gotCanon, ms[i].Email)
			}
		}
		want := slices.Clone(tt.want)
		slices.Sort(got)
		slices.Sort(gotCanon)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q matched %q, want %q", tt.q, got, want)
		}
		if !slices.Equal(gotCanon, want) {
			t.Errorf("%q, canonical %q, matched %q, want %q", tt.q, q.String(), gotCanon, want)
		}
	}
}

func TestNilQueryMatchesEveryone(t *testing.T) {
	var q *Query
	ms := members()
	if !q.Match(&ms[0]) || q.String() != "" || !q.Empty() || q.Fields() != nil {
		t.Errorf("nil Query: Match %v, String %q, Empty %v, Fields %q", q.Match(&ms[0]), q.String(), q.Empty(), q.Fields())
	}
}

// benchQueries are what the members table sends most: the search box and a
// builder segment.
var benchQueries = []string{
	"%thomas%",
	"role is student and source is google-directory/hs",
	"(ou like /students/% or domain is district.org) and not name contains zoë and added after 2026-01-01",
}

func TestMatchDoesNotAllocate(t *testing.T) {
	ms := members()
	for _, s := range benchQueries {
		q, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			for i := range ms {
				q.Match(&ms[i])
			}
		})
		if allocs != 0 {
			t.Errorf("Match of %q allocates %.1f times per roster", s, allocs)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	ms := members()
	for _, s := range benchQueries {
		q, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for i := range ms {
					if q.Match(&ms[i]) {
						n++
					}
				}
			}
			b.ReportMetric(float64(b.N*len(ms))/b.Elapsed().Seconds(), "members/s")
			_ = n
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchQueries[2]); err != nil {
			b.Fatal(err)
		}
	}
}
