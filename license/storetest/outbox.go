package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

func (h *harness) outbox(t *testing.T, s license.Store) license.Outbox {
	t.Helper()
	o, ok := s.(license.Outbox)
	if !ok {
		t.Fatalf("%T does not implement license.Outbox: every backend keeps the change feed and webhook outbox", s)
	}
	return o
}

// testOutbox: every applied change enters the feed in commit order with a
// cursor that only grows, in the transaction of the change (an unchanged
// upsert adds nothing); recorded (held, refused) events join the feed and
// the audit trail; FeedChanged wakes waiters; webhooks start at the feed's
// end, advance only forward, keep dead letters, and survive a reopen.
func (h *harness) testOutbox(t *testing.T) {
	ctx := context.Background()
	s, dir := h.storeIn(t, t.TempDir())
	o := h.outbox(t, s)
	createLicense(t, s, "fa", 10)
	createLicense(t, s, "fb", 10)
	src := license.DeploymentSource("roster", "hs")

	changed := o.FeedChanged()
	apply(t, s, "fa", at(1), up("a1@x.org", src, license.RoleStudent, "A1"), up("a2@x.org", src, license.RoleStudent, "A2"))
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("FeedChanged was not closed by an Apply that changed members")
	}
	apply(t, s, "fb", at(2), up("b1@x.org", license.SourceManual, "", ""))
	apply(t, s, "fa", at(3), up("a1@x.org", src, license.RoleStudent, "A1")) // unchanged: no entry
	apply(t, s, "fa", at(4), rm("a2@x.org", src))
	if err := o.Record(ctx, "fa", []license.Event{{Email: "a3@x.org", Action: license.ActionChangeHeld, Source: src, Actor: "roster/hs", Detail: "removal held: plan p1"}}); err != nil {
		t.Fatal(err)
	}
	if err := o.Record(ctx, "nope", []license.Event{{Action: license.ActionChangeHeld}}); !errors.Is(err, license.ErrNotFound) {
		t.Errorf("Record on a missing license = %v, want ErrNotFound", err)
	}

	all, err := o.Feed(ctx, license.FeedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		lic, email string
		action     license.Action
	}
	var got []row
	for i, e := range all {
		if i > 0 && e.Cursor <= all[i-1].Cursor {
			t.Fatalf("cursor %d after %d: not increasing", e.Cursor, all[i-1].Cursor)
		}
		got = append(got, row{e.License, e.Email, e.Action})
	}
	want := []row{{"fa", "a1@x.org", license.ActionMemberAdded}, {"fa", "a2@x.org", license.ActionMemberAdded}, {"fb", "b1@x.org", license.ActionMemberAdded},
		{"fa", "a2@x.org", license.ActionMemberRemoved}, {"fa", "a3@x.org", license.ActionChangeHeld}}
	if !slices.Equal(got, want) {
		t.Fatalf("feed = %v\nwant %v", got, want)
	}
	if fb, _ := o.Feed(ctx, license.FeedQuery{License: "fb"}); len(fb) != 1 || fb[0].Email != "b1@x.org" {
		t.Errorf("feed of fb = %+v", fb)
	}
	// Every position and page size: the pages join up to the whole feed
	// (a backend may store one commit's events together; a cursor inside
	// such a group must work).
	for after := 0; after < len(all); after++ {
		for limit := 1; limit <= len(all); limit++ {
			var joined []license.FeedEvent
			cur := uint64(0)
			if after > 0 {
				cur = all[after-1].Cursor
			}
			for {
				page, err := o.Feed(ctx, license.FeedQuery{After: cur, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit {
					t.Fatalf("Feed(after %d, limit %d) returned %d", cur, limit, len(page))
				}
				if len(page) == 0 {
					break
				}
				joined = append(joined, page...)
				cur = page[len(page)-1].Cursor
			}
			if len(joined) != len(all)-after || (len(joined) > 0 && joined[0].Cursor != all[after].Cursor) {
				t.Fatalf("paging from %d by %d: %d events, want %d", after, limit, len(joined), len(all)-after)
			}
		}
	}
	if trail, _ := s.Events(ctx, "fa", license.EventQuery{Email: "a3@x.org"}); len(trail) != 1 || trail[0].Action != license.ActionChangeHeld {
		t.Errorf("a recorded event is not in the audit trail: %+v", trail)
	}

	// Webhooks.
	for _, bad := range []license.Webhook{
		{ID: "w", License: "fa", URL: "http://hooks.example.org/x"},
		{ID: "w", License: "fa", URL: "ftp://127.0.0.1/x", InsecureLoopback: true},
		{ID: "w", License: "fa", URL: "https://user:pw@hooks.example.org/x"},
		{ID: "", License: "fa", URL: "https://hooks.example.org/x"},
	} {
		if _, err := o.PutWebhook(ctx, bad); !errors.Is(err, license.ErrInvalid) {
			t.Errorf("PutWebhook(%s) = %v, want a field error", bad.URL, err)
		}
	}
	if _, err := o.PutWebhook(ctx, license.Webhook{ID: "w", License: "nope", URL: "https://hooks.example.org/x"}); !errors.Is(err, license.ErrNotFound) {
		t.Errorf("PutWebhook on a missing license = %v", err)
	}
	w, err := o.PutWebhook(ctx, license.Webhook{ID: "hs-hook", License: "fa", URL: "https://hooks.example.org/rollcall", Secret: "s3cret"})
	if err != nil || w.Cursor != all[len(all)-1].Cursor {
		t.Fatalf("new webhook = %+v, %v; want it to start at the feed's end (%d)", w, err, all[len(all)-1].Cursor)
	}
	if _, err := o.PutWebhook(ctx, license.Webhook{ID: "local", License: "fb", URL: "http://127.0.0.1:9/x", InsecureLoopback: true}); err != nil {
		t.Errorf("a loopback http webhook with insecure_loopback: %v", err)
	}
	apply(t, s, "fa", at(5), up("a4@x.org", src, license.RoleStudent, "A4"), up("a5@x.org", src, license.RoleStudent, "A5"))
	next, _ := o.Feed(ctx, license.FeedQuery{After: w.Cursor, License: "fa"})
	if len(next) != 2 {
		t.Fatalf("feed after the webhook's cursor = %+v", next)
	}
	if err := o.AdvanceWebhook(ctx, "hs-hook", next[0].Cursor, nil); err != nil {
		t.Fatal(err)
	}
	dead := &license.DeadLetter{Event: next[1].Event, Attempts: 8, Error: "503 Service Unavailable"}
	if err := o.AdvanceWebhook(ctx, "hs-hook", next[1].Cursor, dead); err != nil {
		t.Fatal(err)
	}
	if err := o.AdvanceWebhook(ctx, "hs-hook", next[0].Cursor, nil); err != nil { // backwards: ignored
		t.Fatal(err)
	}
	if err := o.AdvanceWebhook(ctx, "nope", 1, nil); !errors.Is(err, license.ErrNotFound) {
		t.Errorf("AdvanceWebhook of a missing webhook = %v", err)
	}
	// Updating the webhook (a restart re-reading the config) keeps its place.
	if w2, err := o.PutWebhook(ctx, license.Webhook{ID: "hs-hook", License: "fa", URL: "https://hooks.example.org/v2", Secret: "s3cret"}); err != nil || w2.Cursor != next[1].Cursor {
		t.Fatalf("re-put webhook = %+v, %v; want its cursor kept at %d", w2, err, next[1].Cursor)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, _ := h.storeIn(t, dir)
	o2 := h.outbox(t, s2)
	hooks, err := o2.Webhooks(ctx, "fa")
	if err != nil || len(hooks) != 1 || hooks[0].Cursor != next[1].Cursor || hooks[0].URL != "https://hooks.example.org/v2" || hooks[0].Secret != "" {
		t.Fatalf("webhooks of fa after reopen = %+v, %v (the secret is never stored)", hooks, err)
	}
	if all, _ := o2.Webhooks(ctx, ""); len(all) != 2 {
		t.Errorf("all webhooks = %+v", all)
	}
	dl, err := o2.DeadLetters(ctx, "hs-hook")
	if err != nil || len(dl) != 1 || dl[0].Cursor != next[1].Cursor || dl[0].Event.Email != "a5@x.org" || dl[0].Attempts != 8 {
		t.Fatalf("dead letters = %+v, %v", dl, err)
	}
	if again, _ := o2.Feed(ctx, license.FeedQuery{}); len(again) != len(all)+2 {
		t.Errorf("feed after reopen has %d entries, want %d", len(again), len(all)+2)
	}
	if err := o2.DeleteWebhook(ctx, "hs-hook"); err != nil {
		t.Fatal(err)
	}
	if dl, _ := o2.DeadLetters(ctx, "hs-hook"); len(dl) != 0 {
		t.Errorf("dead letters outlived their webhook: %+v", dl)
	}
	if err := o2.DeleteWebhook(ctx, "hs-hook"); !errors.Is(err, license.ErrNotFound) {
		t.Errorf("second delete = %v", err)
	}
}
