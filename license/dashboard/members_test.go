package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/query"
)

// roster is the members of the sort, filter and paging tests.
var roster = []license.Change{
	{Email: "thomas.ng@school.org", Name: "Thomas Ng", Role: license.RoleStudent},
	{Email: "ada@school.org", Name: "Ada Thomas", Role: license.RoleTeacher},
	{Email: "tom@school.org", Name: "Tom Baker", Role: license.RoleStudent},
	{Email: "zoe@school.org", Name: "Zoë Quinn", Role: license.RoleOther},
	{Email: "bea@school.org", Name: "Bea Thomason", Role: license.RoleStudent},
	{Email: "carl@school.org", Name: "Carl Jung", Role: license.RoleTeacher},
}

func TestMembersFilter(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, slices.Clone(roster)...)
	ann := e.as("ann")
	// Each expectation is worked out from the roster by the query package,
	// the same rules the store applies, not copied from a page.
	tests := []struct {
		q    string
		want []string
	}{
		{"%Thomas%", []string{"ada@school.org", "bea@school.org", "thomas.ng@school.org"}},
		{"role is not student", []string{"ada@school.org", "carl@school.org", "zoe@school.org"}},
		{"%Thomas% and role is not student", []string{"ada@school.org"}},
		{"role is teacher or name is \"Zoë Quinn\"", []string{"ada@school.org", "carl@school.org", "zoe@school.org"}},
		{"", []string{"ada@school.org", "bea@school.org", "carl@school.org", "thomas.ng@school.org", "tom@school.org", "zoe@school.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			q, err := query.Parse(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var independent []string
			for _, c := range roster {
				m := license.Member{Email: c.Email, Name: c.Name, Role: c.Role}
				if q.Match(&m) {
					independent = append(independent, c.Email)
				}
			}
			slices.Sort(independent)
			if !slices.Equal(independent, tt.want) {
				t.Fatalf("the query package selects %v, the test expects %v", independent, tt.want)
			}
			res := ann.get("/licenses/" + licA + "/members?q=" + url.QueryEscape(tt.q))
			if res.status != http.StatusOK {
				t.Fatalf("status %d", res.status)
			}
			if got := emails(res.body); !slices.Equal(got, tt.want) {
				t.Fatalf("table shows %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMembersFilterParseError(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, slices.Clone(roster)...)
	tests := []string{"role is teacher and name iz x", "role is boss", "(role is student", "added after yesterday"}
	for _, q := range tests {
		t.Run(q, func(t *testing.T) {
			_, perr := query.Parse(q)
			qe, ok := perr.(*query.Error)
			if !ok {
				t.Fatalf("query %q parses; the test needs one that does not", q)
			}
			res := e.as("ann").get("/licenses/" + licA + "/members?q=" + url.QueryEscape(q))
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.status)
			}
			if want := fmt.Sprintf("column %d (position %d)", qe.Pos+1, qe.Pos); !strings.Contains(res.body, want) {
				t.Fatalf("the page does not point at %s", want)
			}
			if len(emails(res.body)) != 0 {
				t.Fatal("a query that does not parse still lists members")
			}
		})
	}
}

func TestMembersSort(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, slices.Clone(roster)...)
	ann := e.as("ann")
	byName := func(desc bool) []string {
		rs := slices.Clone(roster)
		slices.SortFunc(rs, func(a, b license.Change) int {
			c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
			if desc {
				c = -c
			}
			return c
		})
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.Email
		}
		return out
	}
	tests := []struct {
		sort      string
		want      []string
		ariaSort  string
		nextClick string // where the sorted header's link goes
	}{
		{"name", byName(false), `aria-sort="ascending"><a class="sort" href="/licenses/lic-a/members?sort=-name">Name`, "-name"},
		{"-name", byName(true), `aria-sort="descending"><a class="sort" href="/licenses/lic-a/members?sort=name">Name`, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.sort, func(t *testing.T) {
			res := ann.get("/licenses/" + licA + "/members?sort=" + tt.sort)
			if got := emails(res.body); !slices.Equal(got, tt.want) {
				t.Fatalf("order %v, want %v", got, tt.want)
			}
			if !strings.Contains(res.body, tt.ariaSort) {
				t.Fatalf("the Name header is not marked %q", tt.ariaSort)
			}
			if strings.Count(res.body, "aria-sort=") != 1 {
				t.Fatal("more than one header claims to be sorted")
			}
		})
	}
	// The default sort is by email, ascending, and says so.
	res := ann.get("/licenses/" + licA + "/members")
	if !strings.Contains(res.body, `aria-sort="ascending"><a class="sort" href="/licenses/lic-a/members?sort=-email">Email`) {
		t.Fatal("the default sort is not shown on the Email header")
	}
}

// TestMembersPaging walks every page with the cursor links and checks
// each member is listed exactly once, in order, whatever the sort.
func TestMembersPaging(t *testing.T) {
	e := newEnv(t)
	var all []license.Change
	for i := range 60 {
		role := license.RoleStudent
		if i%7 == 0 {
			role = license.RoleTeacher
		}
		all = append(all, license.Change{Email: fmt.Sprintf("kid%02d@school.org", i), Name: fmt.Sprintf("Kid %02d", 59-i), Role: role})
	}
	e.seed(licA, all...)
	ann := e.as("ann")
	for _, tc := range []struct{ sort, q string }{{"", ""}, {"-name", ""}, {"role", "role is student"}} {
		t.Run(tc.sort+"/"+tc.q, func(t *testing.T) {
			u := "/licenses/" + licA + "/members?limit=25&sort=" + url.QueryEscape(tc.sort) + "&q=" + url.QueryEscape(tc.q)
			var seen []string
			pages := 0
			for u != "" {
				res := ann.get(u)
				if res.status != http.StatusOK {
					t.Fatalf("%s: %d", u, res.status)
				}
				got := emails(res.body)
				if len(got) > 25 {
					t.Fatalf("page of %d members, limit 25", len(got))
				}
				seen = append(seen, got...)
				pages++
				u = ""
				if m := nextLink.FindStringSubmatch(res.body); m != nil {
					u = unescape(m[1])
				}
				if pages > 10 {
					t.Fatal("paging does not end")
				}
			}
			var want []string
			field, desc, _ := license.ParseSort(tc.sort)
			page, err := e.store.ListMembers(context.Background(), licA, license.ListOptions{Filter: mustParse(t, tc.q), Sort: field, Desc: desc, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page.Members {
				want = append(want, m.Email)
			}
			if !slices.Equal(seen, want) {
				t.Fatalf("pages list %d members %v, want %d %v", len(seen), seen, len(want), want)
			}
			if wantPages := (len(want) + 24) / 25; pages != wantPages {
				t.Fatalf("%d pages, want %d", pages, wantPages)
			}
		})
	}
}

func mustParse(t *testing.T, q string) license.Filter {
	t.Helper()
	p, err := query.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() {
		return nil
	}
	return p
}

func TestMembersExportCSV(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, slices.Clone(roster)...)
	e.seed(licA, license.Change{Email: "formula@school.org", Name: "=HYPERLINK(\"x\")"})
	res := e.as("ann").get("/licenses/" + licA + "/members.csv?q=" + url.QueryEscape("role is not student"))
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", res.status, res.header)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(res.body, "\ufeff")), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "email,") {
		t.Fatalf("export of the 3 non-students has %d lines: %q", len(lines), lines)
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "student") {
			t.Fatalf("a student in the filtered export: %s", l)
		}
	}
	all := e.as("ann").get("/licenses/" + licA + "/members.csv").body
	if !strings.Contains(all, `"'=HYPERLINK(""x"")"`) {
		t.Fatal("a formula cell is not neutralised in the export")
	}
}

func TestRemoveMember(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, license.Change{Email: "gone@school.org"}, license.Change{Email: "synced@school.org"})
	e.seed(licA, license.Change{Email: "synced@school.org", Source: "google-directory/hs"})
	ann := e.as("ann")
	res := ann.follow(ann.post("/licenses/"+licA+"/members/remove", url.Values{"email": {"gone@school.org"}}))
	if !strings.Contains(res.body, "Removed gone@school.org") || slices.Contains(emails(res.body), "gone@school.org") {
		t.Fatal("the removed member is still listed, or no message says so")
	}
	res = ann.follow(ann.post("/licenses/"+licA+"/members/remove", url.Values{"email": {"synced@school.org"}}))
	if !strings.Contains(res.body, "google-directory/hs still claims them") {
		t.Fatalf("no explanation why a synced member stays: %s", res.body)
	}
	m, err := e.store.Member(context.Background(), licA, "synced@school.org")
	if err != nil || len(m.Claims) != 1 || m.Claims[0].Source != "google-directory/hs" {
		t.Fatalf("synced member after remove: %+v, %v; want only the sync's claim", m, err)
	}
}

func TestBuilder(t *testing.T) {
	tests := []struct {
		q                      string
		field, op, value, join string
		want                   string
		wantErr                bool
	}{
		{"", "role", "is not", "student", "and", "role is not student", false},
		{"%Thomas%", "role", "is not", "student", "and", "%Thomas% and role is not student", false},
		{"role is teacher or role is other", "added", "after", "2026-09-01", "and", "(role is teacher or role is other) and added after 2026-09-01", false},
		{"role is teacher", "name", "contains", "van der", "or", `role is teacher or name contains "van der"`, false},
		{"", "name", "is", `say "hi"`, "and", `name is "say \"hi\""`, false},
		{"", "org_unit", "is", "or", "and", `org_unit is "or"`, false},
		{"", "role", "is", "", "and", "", true},
		{"", "password", "is", "x", "and", "", true},
		{"", "added", "after", "soon", "and", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b := newBuilder()
			b.Field, b.Op, b.Value, b.Join = tt.field, tt.op, tt.value, tt.join
			got, err := b.apply(tt.q)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got != tt.want {
				t.Fatalf("apply = %q, want %q", got, tt.want)
			}
			if _, err := query.Parse(got); err != nil {
				t.Fatalf("the builder wrote a query that does not parse: %v", err)
			}
		})
	}
}

// TestBuilderWithoutJS: the builder's form submits to the server, which
// writes the condition into the filter and shows its result.
func TestBuilderWithoutJS(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, slices.Clone(roster)...)
	ann := e.as("ann")
	res := ann.get("/licenses/" + licA + "/members?q=%25Thomas%25&bj=and&bf=role&bo=is+not&bv=student")
	if res.status != http.StatusSeeOther {
		t.Fatalf("builder submit: %d", res.status)
	}
	loc, _ := url.Parse(res.header.Get("Location"))
	if got := loc.Query().Get("q"); got != "%Thomas% and role is not student" {
		t.Fatalf("builder wrote %q", got)
	}
	if got := emails(ann.get(loc.String()).body); !slices.Equal(got, []string{"ada@school.org"}) {
		t.Fatalf("after the builder: %v", got)
	}
}

// TestMembersCountAndPagingBothWays: the table says how many match, and
// pages go first, previous, next and last.
func TestMembersCountAndPagingBothWays(t *testing.T) {
	e := newEnv(t)
	var all []license.Change
	for i := range 60 {
		role := license.RoleStudent
		if i%7 == 0 {
			role = license.RoleTeacher
		}
		all = append(all, license.Change{Email: fmt.Sprintf("kid%02d@school.org", i), Role: role})
	}
	e.seed(licA, all...)
	ann := e.as("ann")
	first := ann.get("/licenses/" + licA + "/members?limit=25")
	if !strings.Contains(first.body, "60 members match") || !strings.Contains(first.body, "1–25 of 60 · page 1 of 3") {
		t.Fatalf("first page does not count 60 members on 3 pages:\n%s", first.body)
	}
	if pagerLink(first.body, "first") != "" || pagerLink(first.body, "prev") != "" {
		t.Error("the first page links to a first or previous page")
	}
	last := ann.get(pagerLink(first.body, "last"))
	if got := emails(last.body); len(got) != 10 || got[0] != "kid50@school.org" || !strings.Contains(last.body, "51–60 of 60 · page 3 of 3") {
		t.Fatalf("last page lists %v", got)
	}
	if pagerLink(last.body, "next") != "" || pagerLink(last.body, "last") != "" {
		t.Error("the last page links further")
	}
	prev := ann.get(pagerLink(last.body, "prev"))
	if got := emails(prev.body); len(got) != 25 || got[0] != "kid25@school.org" {
		t.Fatalf("previous of the last page lists %v", got)
	}
	if back := ann.get(pagerLink(prev.body, "first")); !slices.Equal(emails(back.body), emails(first.body)) {
		t.Error("first from page 2 is not page 1")
	}
	teachers := ann.get("/licenses/" + licA + "/members?q=" + url.QueryEscape("role is teacher"))
	if !strings.Contains(teachers.body, "9 members match") {
		t.Errorf("the filter's count is wrong:\n%s", teachers.body)
	}
	one := ann.get("/licenses/" + licA + "/members?q=kid07")
	if !strings.Contains(one.body, "1 member matches") {
		t.Errorf("one match is not said in the singular")
	}
	// A page past the end (the list shrank) goes to the last one.
	if res := ann.get("/licenses/" + licA + "/members?limit=25&page=9"); res.status != http.StatusSeeOther || !strings.Contains(res.header.Get("Location"), "page=3") {
		t.Errorf("page 9 of 3: %d %s", res.status, res.header.Get("Location"))
	}
}
