package lti

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// TestBrowserLaunch launches Rollcall from the fake platform's course page
// in headless chromium: the click starts third-party login at the tool,
// the tool sends the browser to the platform's authorization endpoint,
// whose page posts the signed id_token back to the tool, which verifies
// it, enrols the course and shows the result.
func TestBrowserLaunch(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests need %s in CI: %v", chromiumPath, err)
		}
		t.Skipf("browser test skipped: %s not found; install it with `apt-get update && apt-get install -y chromium` (Debian) to run it", chromiumPath)
	}
	e := newLaunchEnv(t, "hs")
	profile := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1200, 800))
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	stop := time.AfterFunc(2*time.Minute, cancelCtx)
	t.Cleanup(func() { stop.Stop(); cancelCtx(); cancelAlloc() })

	course := e.courses[3]
	page := e.platform.LaunchPageURL(course.ID, e.instructor(t, 3), testClientID)
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#launch-rollcall")),
		chromedp.Click(chromedp.CSS("#launch-rollcall"))); err != nil {
		t.Fatalf("open the course page and click launch: %v", err)
	}
	var text, status, where string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("result")||{}).innerText || ""`))
		if err == nil && v != "" {
			text = v
			status, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("result").dataset.status`))
			where, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if text == "" {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("the launch never reached Rollcall's result page; page:\n%s", body)
	}
	if status != "200" || !strings.Contains(text, "now enrolled on license hs") || !strings.HasPrefix(where, e.tool.URL+PathLaunch) {
		t.Fatalf("result at %s (%s): %s", where, status, text)
	}
	d, err := e.engine.Deployment(context.Background(), DeploymentName(ltiConnector, course.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, want := e.members(t), wantMembers(course)
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d members after the browser launch, want %d", len(got), len(want))
	}
	for email := range want {
		if m, ok := got[email]; !ok || m.Claim(d.Source()) == nil {
			t.Fatalf("%s not claimed by %s", email, d.Source())
		}
	}
}
