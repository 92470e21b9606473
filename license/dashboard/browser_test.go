package dashboard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rollcall-sync/rollcall/license"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserBudget bounds a whole browser test.
const browserBudget = 3 * time.Minute

// browser is one headless chromium with a fresh profile, and the folder its
// screenshots go to.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
	n     int
}

// newBrowser starts chromium, or skips when it is absent outside CI (in CI
// its absence fails the test: .ci/run installs it).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests need %s in CI: %v", chromiumPath, err)
		}
		t.Skipf("browser test skipped: %s not found; install it with `apt-get update && apt-get install -y chromium` (Debian) to run it", chromiumPath)
	}
	profile, err := os.MkdirTemp("", "rollcall-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helpers may still write in the profile for a moment after
	// it exits; retry the removal rather than fail the test over it.
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	shots := os.Getenv("ROLLCALL_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1366, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// The first Run starts the browser and must not carry a timeout (it
	// would stop the browser with it); the budget is a timer instead.
	stop := time.AfterFunc(browserBudget, cancelCtx)
	t.Cleanup(func() { stop.Stop(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Logf("screenshots in %s", shots)
	return &browser{t: t, ctx: ctx, shots: shots}
}

// do runs steps, failing the test with what it was doing.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// submit clicks sel, which leaves the page, and waits until the next page
// has loaded and cond (JavaScript) holds on it. A marker on the old page's
// window tells the two apart.
func (b *browser) submit(what, sel, cond string) {
	b.t.Helper()
	b.do(what, chromedp.Evaluate[chromedp.Void](`window.__rollcallOld = true`), chromedp.Click(chromedp.CSS(sel)))
	b.waitFor(what, `!window.__rollcallOld && document.readyState === "complete" && (`+cond+`)`)
}

// waitFor polls cond until it holds; navigations in between are expected.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		if errors.Is(b.ctx.Err(), context.Canceled) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	body := eval[string](b, `document.body ? document.body.innerText.slice(0, 2000) : ""`)
	b.t.Fatalf("%s: %s never held (last error %v); page:\n%s", what, cond, last, body)
}

// shot saves a full-page screenshot named for the page.
func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.n++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// setValue sets a form control's value as a person choosing it would,
// including the input event.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) throw new Error("no %s"); el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, sel, strings.ReplaceAll(sel, `"`, `'`), value))
}

// tableEmails reads the members table's emails from the page.
func tableEmails(b *browser) []string {
	return eval[[]string](b, `Array.from(document.querySelectorAll("#members td.email")).map(td => td.textContent.trim())`)
}

// TestBrowserDashboard drives the dashboard in headless chromium the way
// a license admin would, from sign-in to approving a held plan.
func TestBrowserDashboard(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t)
	e.syncs.admin = "op@rollcall.example"
	e.syncs.ous["/Students"] = nil
	e.syncs.ous["/Students/HS"] = []license.PlanChange{{Email: "hs.thomas@school.org", Name: "Thomas Hill"}, {Email: "hs.jo@school.org", Name: "Jo March"}}
	pid := e.syncs.hold(t, licB, "bio-hs", "leaver1@school.org", "leaver2@school.org", "leaver3@school.org")
	base := e.srv.URL

	// Sign in with an operator's token.
	b.do("open sign-in", chromedp.Navigate(base+"/licenses"), chromedp.WaitVisible(chromedp.CSS("#token")))
	if !strings.HasSuffix(eval[string](b, `location.pathname`), "/signin") {
		t.Fatal("an anonymous visit was not sent to sign in")
	}
	b.shot("signin")
	b.do("type token", chromedp.SendKeys(chromedp.CSS("#token"), e.tokens["operator"]))
	b.submit("sign in", "form[action='/signin'] button[type=submit]", `document.querySelector("h1") && document.querySelector("h1").textContent.includes("Licenses")`)
	if !eval[bool](b, `document.body.innerText.includes("Signed in as op@rollcall.example")`) {
		t.Fatal("no sign-in confirmation")
	}
	if eval[bool](b, `document.cookie.includes("rollcall_session")`) {
		t.Fatal("the session cookie is readable from JavaScript")
	}
	b.shot("licenses")

	// Create a license.
	b.do("open new license", chromedp.Navigate(base+"/licenses/new"), chromedp.WaitVisible(chromedp.CSS("#name")))
	b.do("fill license form",
		chromedp.SendKeys(chromedp.CSS("#name"), "Reading Rocket"),
		setValue("#type", "school"),
		setValue("#seats", "40"),
		setValue("#expires", "2027-06-30"),
		chromedp.SendKeys(chromedp.CSS("#admins"), "op@rollcall.example"),
	)
	b.shot("license-new")
	b.submit("create license", "form[action='/licenses'] button[type=submit]", `document.getElementById("new-key")`)
	key := eval[string](b, `document.getElementById("new-key").textContent`)
	id := strings.TrimPrefix(strings.TrimSuffix(eval[string](b, `document.querySelector("nav.tabs a").getAttribute("href")`), "/details"), "/licenses/")
	l, err := e.store.GetLicense(context.Background(), id)
	if err != nil || l.Name != "Reading Rocket" || l.Seats != 40 || !l.Key.Matches(key) {
		t.Fatalf("created license %+v, %v; key shown matches: %v", l, err, l.Key.Matches(key))
	}
	b.shot("details-new-key")

	// Add users by email, students then teachers.
	students := []string{"thomas.ng@school.org", "amy.thomason@school.org", "raj.patel@school.org", "li.wei@school.org"}
	teachers := []string{"mr.thomas@school.org", "ms.jones@school.org"}
	addPage := base + "/licenses/" + id + "/add"
	for _, batch := range []struct {
		emails []string
		role   string
	}{{students, "student"}, {teachers, "teacher"}} {
		b.do("open add users", chromedp.Navigate(addPage), chromedp.WaitVisible(chromedp.CSS("#emails")))
		// Lines and commas mixed, as people paste them.
		box := strings.Join(batch.emails[:1], "\n") + "\n" + strings.Join(batch.emails[1:], ", ")
		b.do("fill emails", setValue("#emails", box), setValue("#role", batch.role))
		b.submit("add users", "form[action$='/add/emails'] button[type=submit]", `document.querySelector(".flash-success")`)
	}
	if e.used(id) != len(students)+len(teachers) {
		t.Fatalf("%d members after adding, want %d", e.used(id), len(students)+len(teachers))
	}
	b.shot("members-added")

	// Filter %Thomas%.
	b.do("type filter", setValue("#q", "%Thomas%"))
	b.submit("apply filter", "#filter-form button[type=submit]", `location.search.includes("Thomas")`)
	wantThomas := []string{"amy.thomason@school.org", "mr.thomas@school.org", "thomas.ng@school.org"}
	if got := tableEmails(b); !slices.Equal(got, wantThomas) {
		t.Fatalf("%%Thomas%% shows %v, want %v", got, wantThomas)
	}
	b.shot("members-filter-thomas")

	// role is not student, written by the search builder.
	b.do("clear filter and open builder",
		setValue("#q", ""),
		chromedp.Click(chromedp.CSS("#builder summary")),
		chromedp.WaitVisible(chromedp.CSS("#bv")),
		setValue("#bf", "role"),
		setValue("#bo", "is not"),
		chromedp.SendKeys(chromedp.CSS("#bv"), "student"),
		chromedp.Click(chromedp.CSS("#builder-add")),
	)
	if q := eval[string](b, `document.getElementById("q").value`); q != "role is not student" {
		t.Fatalf("the builder wrote %q into the filter box", q)
	}
	b.shot("members-builder")
	b.submit("apply built filter", "#filter-form button[type=submit]", `location.search.includes("student")`)
	wantTeachers := slices.Sorted(slices.Values(teachers))
	if got := tableEmails(b); !slices.Equal(got, wantTeachers) {
		t.Fatalf("role is not student shows %v, want %v", got, wantTeachers)
	}
	// Sorting by a header marks it for assistive technology.
	b.submit("sort by email descending", `th[aria-sort] a.sort`, `document.querySelector("th[aria-sort=descending]")`)
	if got := tableEmails(b); !slices.Equal(got, []string{wantTeachers[1], wantTeachers[0]}) {
		t.Fatalf("descending sort shows %v", got)
	}

	// A CSV with one bad row: the report names it and nothing changes.
	before, events := e.used(id), e.eventCount(id)
	csvPath := filepath.Join(t.TempDir(), "new-students.csv")
	csv := "email,name,role\nnew.kid@school.org,New Kid,student\nnot-an-address,Broken Row,student\nother.kid@school.org,Other Kid,student\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("open add users", chromedp.Navigate(addPage), chromedp.WaitVisible(chromedp.CSS("#file")))
	b.do("choose CSV", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csvPath}))
	b.submit("upload CSV", "form[action$='/add/csv'] button[type=submit]", `document.getElementById("csv-report")`)
	report := eval[string](b, `document.getElementById("csv-report").innerText`)
	if !strings.Contains(report, "Nothing was imported") || !strings.Contains(report, "not-an-address") || !strings.Contains(report, "3") {
		t.Fatalf("the report does not name line 3 and its value: %s", report)
	}
	if e.used(id) != before || e.eventCount(id) != events {
		t.Fatal("a CSV with a bad row changed the license")
	}
	b.shot("add-csv-error")

	// Deploy to an org unit: preview first, then the members arrive.
	b.do("pick OU", chromedp.Navigate(addPage), chromedp.WaitVisible(chromedp.CSS(`input[name=ou][value="/Students/HS"]`)),
		chromedp.Click(chromedp.CSS(`input[name=ou][value="/Students/HS"]`)))
	b.submit("preview deploy", `form[action$='/add/deploy'] button[value=preview]`, `document.getElementById("deploy-preview")`)
	if !eval[bool](b, `document.getElementById("deploy-preview").innerText.includes("2 new members")`) || e.used(id) != before {
		t.Fatal("the preview does not show 2 adds, or changed the license")
	}
	b.shot("add-deploy-preview")
	b.submit("deploy", `form[action$='/add/deploy'] button[value=deploy]`, `document.querySelector(".flash-success")`)
	if got := tableEmails(b); !slices.Contains(got, "hs.thomas@school.org") || !slices.Contains(got, "hs.jo@school.org") {
		t.Fatalf("members after deploying: %v", got)
	}

	// Usage: a chart with real points.
	b.do("open usage", chromedp.Navigate(base+"/licenses/"+id+"/usage?range=30"), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	maxUsed := eval[float64](b, `Math.max(...Array.from(document.querySelectorAll('[data-series="Seats used"] circle.point')).map(c => +c.dataset.value))`)
	if int(maxUsed) != e.used(id) {
		t.Fatalf("the chart peaks at %v seats used, the license has %d members", maxUsed, e.used(id))
	}
	// Created today: one real point per series (the days before it are no data).
	if n := eval[int](b, `document.querySelectorAll("svg.chart circle.point").length`); n != 2 {
		t.Fatalf("%d points, want today's seats used and seats", n)
	}
	b.shot("usage")
	// Choosing a series applies at once (progressive enhancement).
	b.do("choose roles series", chromedp.Evaluate[chromedp.Void](`window.__rollcallOld = true;
		const s = document.getElementById("series"); s.value = "roles"; s.dispatchEvent(new Event("change"))`))
	b.waitFor("roles chart", `!window.__rollcallOld && document.querySelector('[data-series="Teachers"]')`)
	if n := eval[float64](b, `Math.max(...Array.from(document.querySelectorAll('[data-series="Teachers"] circle.point')).map(c => +c.dataset.value))`); int(n) != len(teachers) {
		t.Fatalf("the roles chart peaks at %v teachers, want %d", n, len(teachers))
	}
	b.shot("usage-roles")

	// Approve a held plan: its removals go.
	if e.used(licB) != 3 {
		t.Fatalf("license B has %d members before approval, want 3", e.used(licB))
	}
	b.do("open syncs", chromedp.Navigate(base+"/syncs"), chromedp.WaitVisible(chromedp.CSS("#plan-"+pid)))
	for _, who := range []string{"leaver1@school.org", "leaver2@school.org", "leaver3@school.org"} {
		if !eval[bool](b, `document.getElementById("plan-`+pid+`").innerText.includes("`+who+`")`) {
			t.Fatalf("the held plan does not list %s", who)
		}
	}
	b.shot("syncs-pending")
	// The page asks before approving; this browser says yes.
	b.do("accept confirmations", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	b.submit("approve plan", "#plan-"+pid+" form[action$='/approve'] button", `document.querySelector(".flash-success")`)
	if e.used(licB) != 0 {
		t.Fatalf("license B has %d members after approval, want 0", e.used(licB))
	}
	if !eval[bool](b, `document.body.innerText.includes("Nothing is waiting for approval")`) {
		t.Fatal("the approved plan is still pending")
	}
	b.shot("syncs-approved")

	for _, page := range []string{"features", "domains", "lms"} {
		b.do("open "+page, chromedp.Navigate(base+"/"+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
		b.shot(page)
	}
	// Keyboard: the first Tab reaches the skip link, which leads to the content.
	b.do("tab to skip link", chromedp.Navigate(base+"/licenses"), chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.KeyEvent(kb.Tab))
	if got := eval[string](b, `document.activeElement.className`); got != "skip" {
		t.Fatalf("the first Tab focuses %q, want the skip link", got)
	}
}
