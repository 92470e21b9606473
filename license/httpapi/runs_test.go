package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// POST .../run answers 202 with the running record and where to follow
// it; GET .../runs/{id} answers the run, 404 for one not kept and 400 for
// an id that is not a number.
func TestRunNowAnswersAcceptedAndRunsCanBeFollowed(t *testing.T) {
	f := newFixture(t)
	r := f.json(rAdminB, "POST", "/deployments/dep-b/run", "")
	var run license.RunView
	if err := json.Unmarshal([]byte(r.body), &run); err != nil || r.status != 202 || run.ID != 3 || run.Result != "running" {
		t.Fatalf("POST run = %d %s; want 202 with the running record", r.status, r.body)
	}
	if loc := r.header.Get("Location"); loc != Prefix+"/deployments/dep-b/runs/3" {
		t.Errorf("Location = %q", loc)
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/deployments/dep-b/runs/3", 200},
		{"/deployments/dep-b/runs/9", 404},
		{"/deployments/dep-b/runs/x", 400},
		{"/deployments/dep-b/runs/0", 400},
		{"/deployments/nope/runs/3", 404},
	} {
		if got := f.do(rAdminB, "GET", c.path, "", ""); got.status != c.status {
			t.Errorf("GET %s = %d %s, want %d", c.path, got.status, got.body, c.status)
		}
	}
}

// GET /events answers the change feed after a cursor, and with nothing new
// waits for the next commit (long poll) instead of answering empty.
func TestEventsLongPoll(t *testing.T) {
	f := newFixture(t)
	type page struct {
		Events []license.FeedEvent `json:"events"`
		Next   uint64              `json:"next"`
	}
	get := func(query string) (page, response) {
		t.Helper()
		r := f.do(rAdminA, "GET", "/events?"+query, "", "")
		var p page
		if r.status == 200 {
			if err := json.Unmarshal([]byte(r.body), &p); err != nil {
				t.Fatal(err)
			}
		}
		return p, r
	}
	first, r := get("license=lic-a&wait=0s")
	if r.status != 200 {
		t.Fatalf("GET /events = %d %s", r.status, r.body)
	}
	for _, e := range first.Events {
		if e.License != "lic-a" {
			t.Fatalf("lic-a's feed has an event of %s", e.License)
		}
	}
	done := make(chan page, 1)
	go func() {
		p, _ := get(fmt.Sprintf("license=lic-a&after=%d&wait=20s", first.Next))
		done <- p
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if _, err := f.store.Apply(t.Context(), "lic-a", []license.Change{{Op: license.OpUpsert, Email: "late@north.org", Source: license.SourceManual}}, license.ApplyOptions{Actor: "t"}); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-done:
		if len(p.Events) != 1 || p.Events[0].Email != "late@north.org" || p.Next != p.Events[0].Cursor || time.Since(start) > 5*time.Second {
			t.Fatalf("long poll answered %+v after %s; want the new event at once", p, time.Since(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not answer the new event")
	}
	for _, c := range []struct{ query, field string }{
		{"wait=0s", "license"}, {"license=lic-a&after=x", "after"}, {"license=lic-a&wait=2h", "wait"}, {"license=lic-a&limit=0", "limit"},
	} {
		if _, r := get(c.query); r.status != 400 || !strings.Contains(r.body, c.field) {
			t.Errorf("GET /events?%s = %d %s; want 400 naming %s", c.query, r.status, r.body, c.field)
		}
	}
	if r := f.do(rAdminA, "GET", "/licenses/lic-a/webhooks", "", ""); r.status != 200 || !strings.Contains(r.body, `"webhooks":[]`) {
		t.Errorf("GET webhooks = %d %s", r.status, r.body)
	}
}
