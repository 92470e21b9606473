package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// errBody is the error answer.
type errBody struct {
	Error struct {
		Code     string            `json:"code"`
		Message  string            `json:"message"`
		Field    string            `json:"field"`
		Position *int              `json:"position"`
		Details  []json.RawMessage `json:"details"`
	} `json:"error"`
}

func decodeErr(t *testing.T, r response) errBody {
	t.Helper()
	var e errBody
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e
}

func TestErrors(t *testing.T) {
	f := newFixture(t)
	big := `{"emails":["` + strings.Repeat("a", maxJSONBody) + `"]}`
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code, field                     string
		position                        int // -1: none
		details                         int
	}{
		{"bad query", "GET", "/licenses/lic-a/members?q=role+is+wizard+and+(", "", "", 400, CodeInvalidQuery, "q", -2, 0},
		{"bad sort", "GET", "/licenses/lic-a/members?sort=shoe", "", "", 400, CodeInvalid, "sort", -1, 0},
		{"bad limit", "GET", "/licenses/lic-a/members?limit=0", "", "", 400, CodeInvalid, "limit", -1, 0},
		{"unknown field", "POST", "/licenses/lic-a/members", "application/json", `{"emails":["a@north.org"],"rol":"x"}`, 400, CodeInvalidJSON, "rol", -1, 0},
		{"wrong type", "POST", "/licenses/lic-a/members", "application/json", `{"emails":"a@north.org"}`, 400, CodeInvalidJSON, "emails", -1, 0},
		{"two values", "POST", "/licenses/lic-a/members", "application/json", `{"emails":["a@north.org"]}{}`, 400, CodeInvalidJSON, "", -1, 0},
		{"empty body", "PUT", "/licenses/lic-a/features", "application/json", ``, 400, CodeInvalidJSON, "", -1, 0},
		{"too large", "POST", "/licenses/lic-a/members", "application/json", big, 413, CodeTooLarge, "", -1, 0},
		{"bad emails", "POST", "/licenses/lic-a/members", "application/json", `{"emails":["ok@north.org","nope","also bad@x","fine@north.org"]}`, 400, CodeInvalidEmails, "emails", -1, 2},
		{"bad role", "POST", "/licenses/lic-a/members", "application/json", `{"emails":["ok@north.org"],"role":"wizard"}`, 400, CodeInvalid, "role", -1, 0},
		{"bad seats", "PATCH", "/licenses/lic-a", "application/json", `{"seats":1}`, 409, CodeSeatLimit, "", -1, 0},
		{"bad feature", "PUT", "/licenses/lic-a/features", "application/json", `{"features":{"Bad Name":true}}`, 400, CodeInvalid, "features", -1, 0},
		{"bad series", "GET", "/licenses/lic-a/usage?series=pies", "", "", 400, CodeInvalid, "series", -1, 0},
		{"unknown route", "GET", "/nothing/here", "", "", 404, CodeNotFound, "", -1, 0},
		{"wrong method", "PUT", "/licenses", "application/json", `{}`, 405, CodeMethodNotAllowed, "", -1, 0},
		{"bad csv", "POST", "/licenses/lic-a/members/import", "text/csv", "email,role\nok@north.org,student\nnot-an-email,student\nz@north.org,wizard\n", 400, CodeInvalidCSV, "", -1, 2},
		{"exists", "POST", "/licenses", "application/json", `{"id":"lic-a","name":"Dup","type":"school"}`, 409, CodeExists, "", -1, 0},
		{"bad license", "POST", "/licenses", "application/json", `{"name":"X","type":"spaceship"}`, 400, CodeInvalid, "type", -1, 0},
		// Input once accepted and stored wrong (issue 19).
		{"invalid UTF-8 email", "POST", "/licenses/lic-a/members", "application/json", "{\"emails\":[\"ann\xff@north.org\"]}", 400, CodeInvalidJSON, "", -1, 0},
		{"escaped invalid UTF-8 email", "POST", "/licenses/lic-a/members", "application/json", "{\"emails\":[\"ann\\udcff@north.org\"]}", 400, CodeInvalidEmails, "emails", -1, 1},
		{"local part over 64", "POST", "/licenses/lic-a/members", "application/json", `{"emails":["` + strings.Repeat("a", 65) + `@north.org"]}`, 400, CodeInvalidEmails, "emails", -1, 1},
		{"unknown LMS vendor", "PATCH", "/licenses/lic-a", "application/json", `{"lms":{"vendor":"nope"}}`, 400, CodeInvalid, "lms.vendor", -1, 0},
		{"javascript LMS URL", "PATCH", "/licenses/lic-a", "application/json", `{"lms":{"vendor":"canvas","base_url":"javascript:alert(1)"}}`, 400, CodeInvalid, "lms.base_url", -1, 0},
		{"javascript LMS URL on create", "POST", "/licenses", "application/json", `{"name":"X","type":"school","lms":{"vendor":"canvas","base_url":"javascript:alert(1)"}}`, 400, CodeInvalid, "lms.base_url", -1, 0},
		{"20,000 features", "PUT", "/licenses/lic-a/features", "application/json", manyFeatures(20000), 400, CodeInvalid, "features", -1, 0},
		{"unknown query field", "GET", "/licenses/lic-a/members?q=color+is+blue", "", "", 400, CodeInvalidQuery, "q", -1, 0},
		{"sort dash alone", "GET", "/licenses/lic-a/members?sort=-", "", "", 400, CodeInvalid, "sort", -1, 0},
		{"empty csv", "POST", "/licenses/lic-a/members/import", "text/csv", "", 400, CodeInvalidCSV, "", -1, 1},
		{"header-only csv", "POST", "/licenses/lic-a/members/import", "text/csv", "email,name\n", 400, CodeInvalidCSV, "", -1, 1},
		{"NUL in a csv name", "POST", "/licenses/lic-a/members/import", "text/csv", "email,name\nn@north.org,A\x00B\n", 400, CodeInvalidCSV, "", -1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := f.store.GetLicense(context.Background(), "lic-a")
			r := f.do(rOperator, tc.method, tc.path, tc.ctype, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			e := decodeErr(t, r)
			if e.Error.Code != tc.code || e.Error.Field != tc.field || e.Error.Message == "" {
				t.Errorf("error %+v, want code %s field %q", e.Error, tc.code, tc.field)
			}
			if tc.code == CodeInvalidQuery && e.Error.Position == nil {
				t.Errorf("no position in %s", r.body)
			}
			if tc.position == -2 && (e.Error.Position == nil || *e.Error.Position <= 0) {
				t.Errorf("no position in %s", r.body)
			}
			if len(e.Error.Details) != tc.details {
				t.Errorf("%d details, want %d: %s", len(e.Error.Details), tc.details, r.body)
			}
			after, _ := f.store.GetLicense(context.Background(), "lic-a")
			if after.Used != before.Used || after.Seats != before.Seats || len(after.Features) != len(before.Features) {
				t.Errorf("a refused request changed the license: %+v → %+v", before, after)
			}
		})
	}
	t.Run("405 names the allowed methods", func(t *testing.T) {
		r := f.do(rOperator, "PUT", "/licenses", "application/json", `{}`)
		if allow := r.header.Get("Allow"); allow != "GET, POST" {
			t.Errorf("Allow %q", allow)
		}
	})
	t.Run("bad csv lists lines", func(t *testing.T) {
		r := f.do(rOperator, "POST", "/licenses/lic-a/members/import", "text/csv", "email,role\nok@north.org,student\nnot-an-email,student\nz@north.org,wizard\n")
		for _, want := range []string{`"line":3`, `"line":4`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("no %s in %s", want, r.body)
			}
		}
	})
}

// manyFeatures is a features body naming n features.
func manyFeatures(n int) string {
	var b strings.Builder
	b.WriteString(`{"features":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"f` + strconv.Itoa(i) + `":true`)
	}
	b.WriteString("}}")
	return b.String()
}

func memberEmails(t *testing.T, r response) ([]string, string) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var page license.Page
	if err := json.Unmarshal([]byte(r.body), &page); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range page.Members {
		out = append(out, m.Email)
	}
	return out, page.Next
}

func TestMembers(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		role, query string
		want        []string
	}{
		{rAdminA, "", []string{"kid@north.org", "kid@south.org", "thomas.tank@north.org"}},
		{rDomainA, "", []string{"kid@north.org", "thomas.tank@north.org"}},
		{rAdminA, "?q=%25thomas%25", []string{"thomas.tank@north.org"}},
		{rAdminA, "?q=domain+is+south.org", []string{"kid@south.org"}},
		{rDomainA, "?q=domain+is+south.org", nil},
		{rAdminA, "?sort=-email", []string{"thomas.tank@north.org", "kid@south.org", "kid@north.org"}},
	}
	for _, tc := range cases {
		got, _ := memberEmails(t, f.do(tc.role, "GET", "/licenses/lic-a/members"+tc.query, "", ""))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: %v, want %v", tc.role, tc.query, got, tc.want)
		}
	}
	// Paging: a page of 2 then the rest, with the cursor.
	first, next := memberEmails(t, f.do(rAdminA, "GET", "/licenses/lic-a/members?limit=2", "", ""))
	rest, last := memberEmails(t, f.do(rAdminA, "GET", "/licenses/lic-a/members?limit=2&cursor="+next, "", ""))
	if len(first) != 2 || next == "" || len(rest) != 1 || last != "" || slices.Contains(first, rest[0]) {
		t.Errorf("pages %v (%q) and %v (%q)", first, next, rest, last)
	}

	// A domain admin reaches only members of their domains.
	if r := f.do(rDomainA, "GET", "/licenses/lic-a/members/kid@south.org", "", ""); r.status != 404 {
		t.Errorf("domain admin reads a south member: %d", r.status)
	}
	if r := f.json(rDomainA, "POST", "/licenses/lic-a/members", `{"emails":["x@south.org"]}`); r.status != 403 || !strings.Contains(r.body, "not in a domain you administer") || !strings.Contains(r.body, `"code":"forbidden"`) {
		t.Errorf("domain admin adds a south member: %d %s", r.status, r.body)
	}
	if r := f.do(rDomainA, "DELETE", "/licenses/lic-a/members/kid@south.org", "", ""); r.status != 403 {
		t.Errorf("domain admin removes a south member: %d", r.status)
	}
	if r := f.do(rDomainA, "POST", "/licenses/lic-a/members/import", "text/csv", "email\nn1@north.org\nn2@south.org\n"); r.status != 403 || !strings.Contains(r.body, `"line":3`) {
		t.Errorf("domain admin imports a south member: %d %s", r.status, r.body)
	}
	if r := f.do(rDomainA, "GET", "/licenses/lic-a/members/export", "", ""); r.status != 200 || strings.Contains(r.body, "south.org") || !strings.Contains(r.body, "kid@north.org") {
		t.Errorf("domain admin export: %d\n%s", r.status, r.body)
	}

	// Add, see the history, remove.
	if r := f.json(rAdminA, "POST", "/licenses/lic-a/members", `{"emails":["Ann@North.org"],"role":"teacher"}`); r.status != 200 || !strings.Contains(r.body, `"members_added":1`) {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	h := f.do(rAdminA, "GET", "/licenses/lic-a/members/ann@north.org/history", "", "")
	if h.status != 200 || !strings.Contains(h.body, `"member.added"`) || !strings.Contains(h.body, "a-admin@north.org") {
		t.Errorf("history: %d %s", h.status, h.body)
	}
	if r := f.do(rAdminA, "DELETE", "/licenses/lic-a/members/ann@north.org", "", ""); r.status != 200 || !strings.Contains(r.body, `"removed":true`) {
		t.Errorf("remove: %d %s", r.status, r.body)
	}
	if r := f.do(rAdminA, "GET", "/licenses/lic-a/members/ann@north.org", "", ""); r.status != 404 {
		t.Errorf("removed member still there: %d", r.status)
	}
}

func TestImport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	csv := "email,name,role\nnew1@north.org,New One,student\nnew2@north.org,New Two,teacher\n"
	r := f.do(rAdminA, "POST", "/licenses/lic-a/members/import?validate_only=true", "text/csv", csv)
	if r.status != 200 || !strings.Contains(r.body, `"members_added":2`) || !strings.Contains(r.body, `"dry_run":true`) {
		t.Fatalf("validate: %d %s", r.status, r.body)
	}
	if _, err := f.store.Member(ctx, "lic-a", "new1@north.org"); err == nil {
		t.Fatal("validate_only added a member")
	}
	if r := f.do(rAdminA, "POST", "/licenses/lic-a/members/import", "text/csv", csv); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	m, err := f.store.Member(ctx, "lic-a", "new2@north.org")
	if err != nil || m.Role != license.RoleTeacher || m.Claims[0].Source.Kind() != "csv" {
		t.Fatalf("imported member %+v, %v", m, err)
	}
	if r := f.do(rAdminA, "POST", "/licenses/lic-a/members/import?mode=remove", "text/csv", "email\nnew1@north.org\nnever@north.org\n"); r.status != 200 || !strings.Contains(r.body, `"never@north.org"`) {
		t.Fatalf("remove import: %d %s", r.status, r.body)
	}
	if _, err := f.store.Member(ctx, "lic-a", "new1@north.org"); err == nil {
		t.Error("remove import left the member")
	}
	// Export → import round trip on a fresh license keeps everyone.
	exp := f.do(rAdminA, "GET", "/licenses/lic-a/members/export", "", "")
	if exp.status != 200 || !strings.HasPrefix(exp.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", exp.status, exp.header.Get("Content-Type"))
	}
	if r := f.json(rOperator, "POST", "/licenses", `{"id":"copy","name":"Copy","type":"school","seats":50}`); r.status != 201 {
		t.Fatal(r.body)
	}
	if r := f.do(rOperator, "POST", "/licenses/copy/members/import", "text/csv", exp.body); r.status != 200 {
		t.Fatalf("re-import: %d %s", r.status, r.body)
	}
	a, _ := memberEmails(t, f.do(rOperator, "GET", "/licenses/lic-a/members", "", ""))
	b, _ := memberEmails(t, f.do(rOperator, "GET", "/licenses/copy/members", "", ""))
	if !slices.Equal(a, b) {
		t.Errorf("round trip: %v → %v", a, b)
	}
}

func TestSessionsAndCSRF(t *testing.T) {
	f := newFixture(t)
	r := f.json("", "POST", "/session", `{"token":"`+f.tokens[rAdminA]+`"}`)
	if r.status != 200 {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	cookies := (&http.Response{Header: r.header}).Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	c := cookies[0]
	if c.Name != "rollcall_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Value == "" || c.Value == f.tokens[rAdminA] {
		t.Errorf("cookie %+v", c)
	}
	cookie := c.Name + "=" + c.Value
	if me := f.do("", "GET", "/me", "", "", "Cookie", cookie); me.status != 200 || !strings.Contains(me.body, `"a-admin@north.org"`) || !strings.Contains(me.body, `"session"`) {
		t.Errorf("me by cookie: %d %s", me.status, me.body)
	}
	csrf := []struct {
		name   string
		hdr    []string
		status int
	}{
		{"cross-site form post", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403},
		{"cross-origin without fetch metadata", []string{"Origin", "https://evil.example"}, 403},
		{"same origin", []string{"Sec-Fetch-Site", "same-origin", "Origin", f.srv.URL}, 200},
		{"no browser headers (scripts)", nil, 200},
	}
	for _, tc := range csrf {
		t.Run(tc.name, func(t *testing.T) {
			hdr := append([]string{"Cookie", cookie}, tc.hdr...)
			r := f.do("", "PUT", "/licenses/lic-a/features", "application/json", `{"features":{"x":true}}`, hdr...)
			if r.status != tc.status {
				t.Errorf("%d, want %d: %s", r.status, tc.status, r.body)
			}
		})
	}
	if r := f.json("", "POST", "/session", `{"token":"`+f.tokens[rApp]+`"}`); r.status != 403 {
		t.Errorf("application sign-in: %d", r.status)
	}
	if r := f.json("", "POST", "/session", `{"token":"rcat_wrong"}`); r.status != 401 || decodeErr(t, r).Error.Field != "token" {
		t.Errorf("bad token sign-in: %d %s", r.status, r.body)
	}
	out := f.do("", "DELETE", "/session", "", "", "Cookie", cookie)
	if out.status != 204 || !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign out: %d %v", out.status, out.header)
	}
	if me := f.do("", "GET", "/me", "", "", "Cookie", cookie); me.status != 401 {
		t.Errorf("me after sign out: %d", me.status)
	}
	// An expired token says so.
	if me := f.do("", "GET", "/me", "", "", "Authorization", "Bearer rcat_nope"); me.status != 401 || !strings.Contains(me.body, "unknown") || me.header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad bearer: %d %s", me.status, me.body)
	}
}

func TestUsageSeries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	day2, day3 := t0.Add(24*time.Hour), t0.Add(48*time.Hour)
	apply := func(now time.Time, ch ...license.Change) {
		if _, err := f.store.Apply(ctx, "lic-a", ch, license.ApplyOptions{Actor: "test", Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	// Day 1 (fixture): 3 manual members. Day 2: +2 teachers by a sync,
	// -1. Day 3: +1.
	apply(day2, license.Change{Op: license.OpUpsert, Email: "t1@north.org", Source: "gd/dep-a", Role: license.RoleTeacher},
		license.Change{Op: license.OpUpsert, Email: "t2@north.org", Source: "gd/dep-a", Role: license.RoleTeacher},
		license.Change{Op: license.OpRemove, Email: "kid@south.org", Source: license.SourceManual})
	apply(day3, license.Change{Op: license.OpUpsert, Email: "s9@north.org", Source: license.SourceManual})
	get := func(series string) usageAnswer {
		r := f.do(rAdminA, "GET", "/licenses/lic-a/usage?series="+series+"&from=2026-08-31&to=2026-09-03", "", "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", series, r.status, r.body)
		}
		var u usageAnswer
		if err := json.Unmarshal([]byte(r.body), &u); err != nil {
			t.Fatal(err)
		}
		if len(u.Points) != 4 || u.Points[0].Date != "2026-08-31" || u.Points[3].Date != "2026-09-03" {
			t.Fatalf("%s points %+v", series, u.Points)
		}
		return u
	}
	cases := []struct {
		series string
		key    string
		want   []int
	}{
		{SeriesSeats, "used", []int{0, 3, 4, 5}},
		{SeriesSeats, "seats", []int{100, 100, 100, 100}},
		{SeriesChanges, "added", []int{0, 3, 2, 1}},
		{SeriesChanges, "removed", []int{0, 0, 1, 0}},
		{SeriesRoles, "teacher", []int{0, 0, 2, 2}},
		{SeriesRoles, "student", []int{0, 3, 2, 3}},
		{SeriesSources, "deployment", []int{0, 0, 2, 2}},
		{SeriesSources, "manual", []int{0, 3, 2, 3}},
		{SeriesRuns, "success", []int{0, 1, 0, 0}},
		{SeriesRuns, "held", []int{0, 0, 1, 0}},
	}
	for _, tc := range cases {
		u := get(tc.series)
		var got []int
		for _, p := range u.Points {
			got = append(got, p.Values[tc.key])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: %v, want %v", tc.series, tc.key, got, tc.want)
		}
	}
	if now := get(SeriesRoles).Now; now["teacher"] != 2 || now["student"] != 3 {
		t.Errorf("roles now %v", now)
	}
}

func TestEntitlementAndSyncs(t *testing.T) {
	f := newFixture(t)
	r := f.do(rApp, "GET", "/entitlements/Kid@South.org", "", "")
	var ent license.Entitlement
	if err := json.Unmarshal([]byte(r.body), &ent); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var ids []string
	for _, g := range ent.Licenses {
		ids = append(ids, g.License)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"lic-a", "lic-b"}) {
		t.Errorf("entitlement licenses %v", ids)
	}
	// Syncs are asked with the caller as the actor.
	f.json(rAdminA, "POST", "/licenses/lic-a/deployments/ou", `{"connector":"gd","org_units":{"/Students":"student","/Staff":"other"}}`)
	f.json(rAdminA, "POST", "/plans/plan-a/approve", "")
	f.json(rAdminB, "POST", "/deployments/dep-b/run", "")
	want := []string{"deploy lic-a to 2 units by a-admin@north.org", "approve plan-a by a-admin@north.org", "run dep-b by b-admin@south.org"}
	if !slices.Equal(f.syncs.calls, want) {
		t.Errorf("syncs calls %q, want %q", f.syncs.calls, want)
	}
	if r := f.json(rAdminA, "POST", "/licenses/lic-a/deployments/ou", `{"connector":"gd","org_units":{"/Students":"wizard"}}`); r.status != 400 {
		t.Errorf("bad role in deploy: %d", r.status)
	}
	plans := f.do(rAdminB, "GET", "/plans", "", "")
	if !strings.Contains(plans.body, "plan-b") || strings.Contains(plans.body, "plan-a") {
		t.Errorf("B's admin sees plans %s", plans.body)
	}
}
