package dashboard

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

// The Syncs page says what each run did (guard and reason of held,
// guarded and skipped runs), shows a quarantine with its reason and a
// "Retry now" for the license's admins, and follows a run it started.
func TestSyncsPageShowsStatesAndRunsNow(t *testing.T) {
	e := newEnv(t)
	e.syncs.hold(t, licB, "bio-hs", "leaver1@school.org")
	e.syncs.mu.Lock()
	d := &e.syncs.deps[0]
	d.Mode = "add-only"
	d.Health = &license.HealthView{Failures: 5, Quarantined: true, Since: day(-1), Until: day(1), Reason: "5 failed runs in a row; the last: page 3: 503"}
	d.Window = &license.WindowView{Name: "summer", Kind: "additions-only", Start: day(-2), End: day(20)}
	e.syncs.runs["bio-hs"] = append([]license.RunView{
		{ID: 4, Deployment: "bio-hs", Trigger: "schedule", Started: day(0), Ended: day(0), Result: "skipped", Reason: "quarantined until tomorrow"},
		{ID: 3, Deployment: "bio-hs", Trigger: "schedule", Started: day(0), Ended: day(0), Result: "guarded", Guard: "empty_source", Reason: "the source returned nobody usable"},
	}, e.syncs.runs["bio-hs"]...)
	e.syncs.mu.Unlock()

	bob := e.as("bob")
	page := bob.get("/syncs")
	for _, want := range []string{"status-quarantined", "5 failed runs in a row", "Retry now", "mode <strong>add-only</strong>",
		"calendar window <strong>summer</strong>", "<code>empty_source</code> the source returned nobody usable", "quarantined until tomorrow", "status-guarded"} {
		if !strings.Contains(unescape(page.body), want) {
			t.Errorf("the Syncs page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "data-refresh") {
		t.Error("the page refreshes itself with no run going on")
	}

	// Someone who may only read the license sees no button and may not post.
	if other := e.as("ann").get("/syncs"); strings.Contains(other.body, "/syncs/deployments/bio-hs/run") {
		t.Error("an admin of another license is offered Run now")
	}
	if res := e.as("ann").post("/syncs/deployments/bio-hs/run", nil); res.status != http.StatusNotFound && res.status != http.StatusForbidden {
		t.Errorf("ann's run now = %d, want 404 or 403", res.status)
	}

	res := bob.follow(bob.post("/syncs/deployments/bio-hs/run", nil))
	if res.status != http.StatusOK || !strings.Contains(res.body, "Run 5 of bio-hs started") || !strings.Contains(res.body, `data-refresh="3"`) {
		t.Fatalf("after run now: %d; want the started message and a page that follows the run", res.status)
	}
	if res := bob.post("/syncs/deployments/nope/run", nil); res.status != http.StatusNotFound {
		t.Errorf("run now of an unknown deployment = %d, want 404", res.status)
	}
}

// The Syncs page lists a license's webhooks with their dead letters to
// the license's admins, and to nobody else.
func TestSyncsPageListsDeadLetters(t *testing.T) {
	e := newEnv(t)
	var out license.Outbox = e.store
	ctx := t.Context()
	if _, err := out.PutWebhook(ctx, license.Webhook{ID: "bio-events", License: licB, URL: "https://hooks.school.org/rollcall"}); err != nil {
		t.Fatal(err)
	}
	if err := out.AdvanceWebhook(ctx, "bio-events", 7, &license.DeadLetter{Event: license.Event{Email: "kid@school.org", Action: license.ActionMemberAdded},
		Attempts: 8, Error: "webhook bio-events answered 503 Service Unavailable"}); err != nil {
		t.Fatal(err)
	}
	page := e.as("bob").get("/syncs")
	for _, want := range []string{"bio-events", "https://hooks.school.org/rollcall", "kid@school.org", "answered 503", "delivered up to event 7"} {
		if !strings.Contains(unescape(page.body), want) {
			t.Errorf("bob's Syncs page lacks %q", want)
		}
	}
	if other := e.as("ann").get("/syncs"); strings.Contains(other.body, "bio-events") {
		t.Error("an admin of another license sees its webhooks")
	}
}
