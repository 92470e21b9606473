package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

var (
	demoDashboardRe = regexp.MustCompile(`dashboard:\s+(http://\S+?)/?\s*$`)
	demoTokenRe     = regexp.MustCompile(`sign-in token:\s+(\S+)`)
	deploymentRe    = regexp.MustCompile(`\(deployment ([^)]+)\)`)
)

// TestBrowserDemoDeployOU runs `rollcall demo`, signs in to its dashboard
// in headless chromium with the token it prints, deploys the district
// license to an org unit of the Google Directory fake, and watches the
// members arrive.
func TestBrowserDemoDeployOU(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests need %s in CI: %v", chromiumPath, err)
		}
		t.Skipf("browser test skipped: %s not found; install it with `apt-get update && apt-get install -y chromium` (Debian) to run it", chromiumPath)
	}
	e := newEnv(t)
	p := e.startProc("demo", "--listen", "127.0.0.1:0", "--people", "300", "--interval", "5s", "--churn", "0")
	b := struct{ url, token string }{url: p.waitLine(t, demoDashboardRe, 90*time.Second)[1]}
	b.token = p.waitLine(t, demoTokenRe, 10*time.Second)[1]
	stderr := p.stderr

	profile, err := os.MkdirTemp("", "rollcall-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	shots := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1366, 900))
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	stop := time.AfterFunc(3*time.Minute, cancelCtx) // the whole test's budget
	t.Cleanup(func() { stop.Stop(); cancelCtx(); cancelAlloc() })

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\ndemo stderr:\n%s", what, err, stderr.String())
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	// waitFor polls a JavaScript condition across navigations.
	waitFor := func(what, cond string, limit time.Duration) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for time.Now().Before(deadline) {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`)); err == nil && ok {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: %s never held; page:\n%s", what, cond, eval(`document.body ? document.body.innerText.slice(0, 2000) : ""`))
	}
	submit := func(what, sel, cond string) {
		t.Helper()
		do(what, chromedp.Evaluate[chromedp.Void](`window.__rollcallOld = true`), chromedp.Click(chromedp.CSS(sel)))
		waitFor(what, `!window.__rollcallOld && document.readyState === "complete" && (`+cond+`)`, 60*time.Second)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", shots)

	do("open sign-in", chromedp.Navigate(b.url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), b.token))
	submit("sign in", "form[action='/signin'] button[type=submit]", `location.pathname === "/licenses"`)
	if !strings.Contains(eval(`document.body.innerText`), "Demo District") {
		t.Fatal("the dashboard does not show the demo district's license")
	}
	shot("demo-licenses")

	// Deploy the district license to the district office, previewing first.
	const ou = "/Staff/District Office"
	do("open add users", chromedp.Navigate(b.url+"/licenses/district/add"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`input[name=ou][value=%q]`, ou))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=ou][value=%q]`, ou))),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("deploy-role").value = "other"`))
	submit("preview", `form[action$='/add/deploy'] button[value=preview]`, `document.getElementById("deploy-preview") || document.querySelector("#deploy .flash-error")`)
	if msg := eval(`(document.querySelector("#deploy .flash-error") || {}).innerText || ""`); msg != "" {
		t.Fatalf("preview refused: %s", msg)
	}
	shot("demo-deploy-preview")
	submit("deploy", `form[action$='/add/deploy'] button[value=deploy]`, `document.querySelector(".flash-success, .flash-error")`)
	flash := eval(`document.querySelector(".flash-success, .flash-error").innerText`)
	m := deploymentRe.FindStringSubmatch(flash)
	if m == nil {
		t.Fatalf("deploy did not succeed: %s", flash)
	}

	// The members claimed by the new deployment arrive (the first sync may
	// still be running: reload until they do).
	filter := b.url + "/licenses/district/members?q=" + strings.ReplaceAll(fmt.Sprintf("source contains %q", m[1]), " ", "+")
	deadline := time.Now().Add(60 * time.Second)
	for {
		do("open members", chromedp.Navigate(filter), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if eval(`String(document.querySelectorAll("#members td.email").length)`) != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no member of %s arrived within a minute", ou)
		}
		time.Sleep(time.Second)
	}
	if rows := eval(`Array.from(document.querySelectorAll("#members tbody tr")).map(r => r.innerText).join("\n")`); !strings.Contains(rows, m[1]) {
		t.Fatalf("the listed members do not show the deployment as a source:\n%s", rows)
	}
	shot("demo-members-arrived")
}
