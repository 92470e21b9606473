package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		token      string
		wantStatus int
		wantBody   string
	}{
		{"empty", "", http.StatusUnprocessableEntity, "Paste an API token"},
		{"wrong token", "rcat_not-a-real-token", http.StatusUnauthorized, "not valid"},
		{"application token", e.tokens["app"], http.StatusForbidden, "belongs to an application"},
		{"admin token", e.tokens["ann"], http.StatusSeeOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.anon()
			res := c.post("/signin", url.Values{"token": {tt.token}, "next": {"/licenses/" + licA + "/details"}})
			if res.status != tt.wantStatus || !strings.Contains(res.body, tt.wantBody) {
				t.Fatalf("status %d, want %d with %q: %s", res.status, tt.wantStatus, tt.wantBody, res.body)
			}
			if tt.token != "" && strings.Contains(res.body, tt.token) {
				t.Fatal("the token is echoed in the page")
			}
			if res.status != http.StatusSeeOther {
				if len(c.cookies) > 0 {
					t.Fatalf("a refused sign-in set cookies: %v", c.cookies)
				}
				return
			}
			if loc := res.header.Get("Location"); loc != "/licenses/"+licA+"/details" {
				t.Fatalf("redirect to %q, want back to the page asked for", loc)
			}
			ck := c.cookies["rollcall_session"]
			if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax", ck)
			}
			if page := c.get("/licenses"); page.status != http.StatusOK || !strings.Contains(page.body, "Signed in as ann@school.org") {
				t.Fatalf("after sign-in: %d, no welcome flash: %s", page.status, page.body)
			}
			// Signing out ends the session on the server, not just in the browser.
			old := *ck
			if out := c.post("/signout", nil); out.status != http.StatusSeeOther {
				t.Fatalf("sign out: %d", out.status)
			}
			replay := e.anon()
			replay.cookies[old.Name] = &old
			if res := replay.get("/licenses"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/signin") {
				t.Fatalf("old session cookie still works after sign-out: %d", res.status)
			}
		})
	}
	if strings.Contains(e.logs.String(), e.tokens["ann"]) {
		t.Fatal("a token reached the logs")
	}
}

func TestSignInRedirectStaysOnSite(t *testing.T) {
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example"} {
		if got := safeNext(next); got != "/licenses" {
			t.Errorf("safeNext(%q) = %q, want /licenses", next, got)
		}
	}
	if got := safeNext("/licenses/a/members?q=x"); got != "/licenses/a/members?q=x" {
		t.Errorf("a local path was not kept: %q", got)
	}
}

// TestAuthorization walks the pages as each kind of person: a license they
// may not see is a 404 exactly like one that does not exist.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	e.seed(licD, license.Change{Email: "pupil@district.org"}, license.Change{Email: "visitor@other.org"})
	pid := e.syncs.hold(t, licB, "bio-hs", "gone@school.org")
	tests := []struct {
		who    string // "" is nobody signed in
		method string
		path   string
		want   int
	}{
		{"", "GET", "/licenses", http.StatusSeeOther},
		{"", "GET", "/licenses/" + licA + "/members", http.StatusSeeOther},
		{"", "POST", "/licenses/" + licA + "/key", http.StatusSeeOther},
		{"app", "GET", "/licenses", http.StatusForbidden},

		{"ann", "GET", "/licenses/" + licA + "/details", http.StatusOK},
		{"ann", "GET", "/licenses/" + licB + "/details", http.StatusNotFound},
		{"ann", "GET", "/licenses/" + licB + "/members", http.StatusNotFound},
		{"ann", "GET", "/licenses/" + licB + "/members.csv", http.StatusNotFound},
		{"ann", "GET", "/licenses/" + licB + "/usage", http.StatusNotFound},
		{"ann", "GET", "/licenses/" + licB + "/add", http.StatusNotFound},
		{"ann", "GET", "/licenses/nosuch/details", http.StatusNotFound},
		{"ann", "POST", "/licenses/" + licB + "/key", http.StatusNotFound},
		{"ann", "POST", "/licenses/" + licB + "/members/remove", http.StatusNotFound},
		{"ann", "POST", "/licenses/" + licB + "/features", http.StatusNotFound},
		{"ann", "GET", "/syncs/pending/" + pid, http.StatusNotFound},
		{"ann", "POST", "/syncs/pending/" + pid + "/approve", http.StatusNotFound},
		{"ann", "GET", "/licenses/new", http.StatusForbidden},
		{"ann", "POST", "/licenses", http.StatusForbidden},

		{"bob", "GET", "/syncs/pending/" + pid, http.StatusOK},
		{"bob", "GET", "/licenses/" + licA + "/members", http.StatusNotFound},

		{"dora", "GET", "/licenses/" + licD + "/members", http.StatusOK},
		{"dora", "GET", "/licenses/" + licD + "/add", http.StatusOK},
		{"dora", "POST", "/licenses/" + licD + "/key", http.StatusForbidden},
		{"dora", "POST", "/licenses/" + licD + "/features", http.StatusForbidden},
		{"dora", "POST", "/licenses/" + licD + "/add/deploy", http.StatusForbidden},
		{"dora", "GET", "/licenses/" + licA + "/details", http.StatusNotFound},

		{"operator", "GET", "/licenses/" + licB + "/members", http.StatusOK},
		{"operator", "GET", "/licenses/new", http.StatusOK},
		{"operator", "GET", "/nosuch", http.StatusNotFound},
	}
	app := e.anon()
	app.bearer = e.tokens["app"]
	clients := map[string]*client{"": e.anon(), "app": app}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.method+" "+tt.path, func(t *testing.T) {
			c, ok := clients[tt.who]
			if !ok {
				c = e.as(tt.who)
				clients[tt.who] = c
			}
			var res response
			if tt.method == "GET" {
				res = c.get(tt.path)
			} else {
				res = c.post(tt.path, url.Values{"email": {"gone@school.org"}, "on": {"x"}})
			}
			if res.status != tt.want {
				t.Fatalf("status %d, want %d", res.status, tt.want)
			}
			if tt.want == http.StatusNotFound && (strings.Contains(res.body, "Biology Lab") || strings.Contains(res.body, "gone@school.org")) {
				t.Fatal("the 404 page names what it hides")
			}
		})
	}
	// Nothing those refusals touched changed.
	if e.used(licB) != 1 {
		t.Fatalf("license B has %d members, want 1", e.used(licB))
	}

	// A domain admin sees only the members of their domains.
	body := clients["dora"].get("/licenses/" + licD + "/members").body
	if got := emails(body); len(got) != 1 || got[0] != "pupil@district.org" {
		t.Fatalf("domain admin sees %v, want only pupil@district.org", got)
	}
	if res := clients["dora"].post("/licenses/"+licD+"/members/remove", url.Values{"email": {"visitor@other.org"}}); res.status != http.StatusNotFound {
		t.Fatalf("domain admin removing a member of another domain: %d, want 404", res.status)
	}
	if e.used(licD) != 2 {
		t.Fatal("a domain admin removed someone outside their domain")
	}
}

func TestLicensesList(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, license.Change{Email: "a@school.org"}, license.Change{Email: "b@school.org"})
	tests := []struct {
		who          string
		want, hidden []string
	}{
		{"ann", []string{"Algebra Quest", "District Reader", "2 of 100 seats", "Jun 8, 2027"}, []string{"Biology Lab", "New license"}},
		{"bob", []string{"Biology Lab", "0 of 10 seats", "Never expires"}, []string{"Algebra Quest"}},
		{"dora", []string{"District Reader"}, []string{"Algebra Quest", "Biology Lab"}},
		{"operator", []string{"Algebra Quest", "Biology Lab", "District Reader", "New license"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			res := e.as(tt.who).get("/licenses")
			if res.status != http.StatusOK {
				t.Fatalf("status %d", res.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.body, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, h := range tt.hidden {
				if strings.Contains(res.body, h) {
					t.Errorf("shows %q", h)
				}
			}
		})
	}
}

func TestCreateLicenseShowsKeyOnce(t *testing.T) {
	e := newEnv(t)
	op := e.as("operator")
	bad := op.post("/licenses", url.Values{"name": {"Chem"}, "type": {"school"}, "seats": {"-3"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "Seats must be") {
		t.Fatalf("negative seats: %d", bad.status)
	}
	res := op.post("/licenses", url.Values{"name": {"Chemistry Set"}, "type": {"district"}, "seats": {"250"},
		"expires": {"2027-07-01"}, "admins": {"carol@school.org, dan@school.org"}})
	if res.status != http.StatusOK {
		t.Fatalf("create: %d: %s", res.status, res.body)
	}
	var created license.License
	ls, _ := e.store.ListLicenses(context.Background())
	for _, l := range ls {
		if l.Name == "Chemistry Set" {
			created = l
		}
	}
	if created.Seats != 250 || created.Type != license.TypeDistrict || len(created.Admins) != 2 || created.Expires.Format("2006-01-02") != "2027-07-01" {
		t.Fatalf("stored license %+v", created)
	}
	key := keyIn(t, res.body)
	if !created.Key.Matches(key) {
		t.Fatalf("the key shown (%s) is not the license's key", key)
	}
	if again := op.get("/licenses/" + created.ID + "/details"); strings.Contains(again.body, key) || !strings.Contains(again.body, created.Key.Prefix) {
		t.Fatal("the details page shows the whole key again, or not its prefix")
	}
}

func keyIn(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `<code id="new-key">`)
	if !ok {
		t.Fatalf("no new key in the page")
	}
	key, _, _ := strings.Cut(rest, "</code>")
	return key
}

func TestRotateKey(t *testing.T) {
	e := newEnv(t)
	before, _ := e.store.GetLicense(context.Background(), licA)
	res := e.as("ann").post("/licenses/"+licA+"/key", nil)
	if res.status != http.StatusOK {
		t.Fatalf("rotate: %d", res.status)
	}
	key := keyIn(t, res.body)
	after, _ := e.store.GetLicense(context.Background(), licA)
	if !after.Key.Matches(key) || before.Key.Prefix == after.Key.Prefix && string(before.Key.Hash) == string(after.Key.Hash) {
		t.Fatalf("the key shown is not the new key, or the key did not change")
	}
	if strings.Contains(e.logs.String(), key) {
		t.Fatal("the new key reached the logs")
	}
}

// TestCrossOriginPostRefused: a form posted from another site changes
// nothing, even with the victim's session cookie.
func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t)
	ann := e.as("ann")
	before, _ := e.store.GetLicense(context.Background(), licA)
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/licenses/"+licA+"/add/emails", strings.NewReader("emails=x%40school.org&role=student"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if res := ann.do(req); res.status != http.StatusForbidden {
			t.Fatalf("cross-origin POST with %v: %d, want 403", hdr, res.status)
		}
		req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/licenses/"+licA+"/key", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if res := ann.do(req); res.status != http.StatusForbidden {
			t.Fatalf("cross-origin key rotation with %v: %d, want 403", hdr, res.status)
		}
	}
	after, _ := e.store.GetLicense(context.Background(), licA)
	if after.Used != before.Used || string(after.Key.Hash) != string(before.Key.Hash) {
		t.Fatal("a cross-origin POST changed the license")
	}
	// The same form from the dashboard itself goes through.
	if res := ann.post("/licenses/"+licA+"/add/emails", url.Values{"emails": {"x@school.org"}, "role": {"student"}}); res.status != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d", res.status)
	}
	if e.used(licA) != before.Used+1 {
		t.Fatal("the same-origin add did not add")
	}
}

// TestStateChangesNeedPOST: GET on an action route is not an action.
func TestStateChangesNeedPOST(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, license.Change{Email: "stay@school.org"})
	ann := e.as("ann")
	for _, p := range []string{"/licenses/" + licA + "/key", "/licenses/" + licA + "/members/remove?email=stay%40school.org", "/signout"} {
		if res := ann.get(p); res.status == http.StatusOK || res.status == http.StatusSeeOther {
			t.Fatalf("GET %s: %d", p, res.status)
		}
	}
	if e.used(licA) != 1 {
		t.Fatal("a GET removed a member")
	}
}

func TestPagesRender(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, license.Change{Email: "thomas.ng@school.org", Name: "Thomas Ng"})
	e.syncs.hold(t, licA, "alg-hs", "leaver@school.org")
	if _, err := e.store.UpdateLicense(context.Background(), licA, "op", func(l *license.License) error {
		l.Features = map[string]bool{"export.pdf": true, "ai.hints": false}
		l.LMS = license.LMS{Vendor: "canvas", BaseURL: "https://district.instructure.com", Status: license.LinkFailing, LastError: "401 from /api/v1/courses"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ann := e.as("ann")
	tests := []struct {
		path string
		want []string
	}{
		{"/licenses/" + licA + "/details", []string{"Licensed seats", "Rotate key", "school", `aria-current="page">Details`}},
		{"/licenses/" + licA + "/usage", []string{"<svg", "<title id=\"chart-title\">Seats used vs seats</title>", "<desc", "<caption>"}},
		{"/licenses/" + licA + "/members", []string{"thomas.ng@school.org", "Thomas Ng", "Search builder", `aria-sort="ascending"`, "Export CSV"}},
		{"/licenses/" + licA + "/add", []string{"Email addresses", "Download a sample CSV", "Org units of district-directory"}},
		{"/features", []string{"export.pdf", "ai.hints", `role="switch"`}},
		{"/lms", []string{"canvas", "Failing", "401 from /api/v1/courses"}},
		{"/domains", []string{"You are not a domain admin"}},
		{"/syncs", []string{"alg-hs", "leaver@school.org", "Approve 1 removal"}},
		{"/signin", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := ann.get(tt.path)
			if tt.path == "/signin" {
				// Already signed in: straight on.
				if res.status != http.StatusSeeOther {
					t.Fatalf("status %d", res.status)
				}
				return
			}
			if res.status != http.StatusOK {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.body, w) {
					t.Errorf("missing %q", w)
				}
			}
			if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	if res := e.as("dora").get("/domains"); !strings.Contains(res.body, "district.org") || !strings.Contains(res.body, "District Reader") {
		t.Fatal("the domain admin's domains page does not list their domain and its license")
	}
	for _, asset := range []string{"/static/app.css", "/static/app.js", "/static/logo.svg"} {
		if res := e.anon().get(asset); res.status != http.StatusOK || len(res.body) < 100 {
			t.Fatalf("%s: %d", asset, res.status)
		}
	}
}

func TestFeatures(t *testing.T) {
	e := newEnv(t)
	ann := e.as("ann")
	res := ann.post("/licenses/"+licA+"/features", url.Values{"new": {"export.pdf"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("add feature: %d", res.status)
	}
	// Switching it off: the form lists it and does not send "on".
	ann.post("/licenses/"+licA+"/features", url.Values{"feature": {"export.pdf"}, "new": {"ai.hints"}})
	l, _ := e.store.GetLicense(context.Background(), licA)
	if l.Features["export.pdf"] || !l.Features["ai.hints"] {
		t.Fatalf("features %v, want export.pdf off and ai.hints on", l.Features)
	}
	bad := ann.follow(ann.post("/licenses/"+licA+"/features", url.Values{"new": {"Bad Name!"}}))
	if !strings.Contains(bad.body, "Not saved") {
		t.Fatal("an invalid feature name was not refused")
	}
	// The lookup answers with the effective permission.
	e.seed(licA, license.Change{Email: "kid@school.org"})
	if res := ann.get("/features?email=kid%40school.org"); !strings.Contains(res.body, "ai.hints: on") {
		t.Fatalf("lookup does not show the effective permission")
	}
}

// TestCreateKeyWhenNone: a license without a key offers "Create key", not
// "Rotate key", and the button makes its first key.
func TestCreateKeyWhenNone(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateLicense(context.Background(), license.License{ID: "nokey", Name: "No key", Type: license.TypeSchool, Seats: 5, Admins: []string{"ann@school.org"}}); err != nil {
		t.Fatal(err)
	}
	ann := e.as("ann")
	page := ann.get("/licenses/nokey/details")
	if !strings.Contains(page.body, ">Create key</button>") || strings.Contains(page.body, ">Rotate key</button>") {
		t.Fatalf("a license without a key does not offer Create key:\n%s", page.body)
	}
	res := ann.post("/licenses/nokey/key", nil)
	l, _ := e.store.GetLicense(context.Background(), "nokey")
	if res.status != http.StatusOK || !l.Key.Matches(keyIn(t, res.body)) || !strings.Contains(res.body, "Key created") {
		t.Fatalf("create key: %d", res.status)
	}
	if again := ann.get("/licenses/nokey/details"); !strings.Contains(again.body, ">Rotate key</button>") {
		t.Error("once it has a key the license does not offer Rotate key")
	}
}
