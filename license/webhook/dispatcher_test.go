package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/webhook"
)

const secret = "whsec-test-1"

// receiver is a webhook endpoint that checks every signature, keeps what it
// was sent, and fails its first failFirst requests (down for a moment), or
// all of them.
type receiver struct {
	mu        sync.Mutex
	now       func() time.Time
	got       []webhook.Delivery
	keys      []string
	failFirst int
	failAll   bool
	tries     map[string]int
	requests  int
	bad       []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := webhook.Verify(secret, r.Header.Get(webhook.HeaderSignature), body, rc.now(), 5*time.Minute); err != nil {
		rc.bad = append(rc.bad, err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(webhook.HeaderIdempotency)
	rc.tries[key]++
	rc.requests++
	if rc.failAll || rc.requests <= rc.failFirst {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var d webhook.Delivery
	if err := json.Unmarshal(body, &d); err != nil || d.ID != key || r.Header.Get(webhook.HeaderEvent) != string(d.Type) {
		rc.bad = append(rc.bad, "body does not match its headers: "+string(body))
	}
	rc.got = append(rc.got, d)
	rc.keys = append(rc.keys, key)
	w.WriteHeader(http.StatusNoContent)
}

type fixture struct {
	store *bolt.Store
	rc    *receiver
	srv   *httptest.Server
	clock time.Time
	d     *webhook.Dispatcher
	mu    sync.Mutex
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

func newFixture(t *testing.T, rc *receiver, maxAttempts int) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{store: st, rc: rc, clock: time.Now()}
	rc.now, rc.tries = f.now, map[string]int{}
	f.srv = httptest.NewTLSServer(rc)
	t.Cleanup(f.srv.Close)
	if _, err := st.CreateLicense(t.Context(), license.License{ID: "hs", Name: "HS", Type: license.TypeSchool, Seats: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutWebhook(t.Context(), license.Webhook{ID: "hs-hook", License: "hs", URL: f.srv.URL + "/rollcall"}); err != nil {
		t.Fatal(err)
	}
	f.d, err = webhook.New(webhook.Options{Outbox: st, Secrets: map[string]string{"hs-hook": secret}, Client: f.srv.Client(),
		Now: f.now, MaxAttempts: maxAttempts, BaseDelay: time.Second, MaxDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) add(t *testing.T, emails ...string) {
	t.Helper()
	var ch []license.Change
	for _, e := range emails {
		ch = append(ch, license.Change{Op: license.OpUpsert, Email: e, Source: license.SourceManual})
	}
	if _, err := f.store.Apply(t.Context(), "hs", ch, license.ApplyOptions{Actor: "admin@hs.org"}); err != nil {
		t.Fatal(err)
	}
}

func TestDeliversInOrderSigned(t *testing.T) {
	f := newFixture(t, &receiver{}, 8)
	f.add(t, "a@hs.org", "b@hs.org")
	f.add(t, "c@hs.org")
	if _, err := f.d.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, d := range f.rc.got {
		emails = append(emails, d.Email)
		if d.Type != license.ActionMemberAdded || d.License != "hs" || d.Webhook != "hs-hook" {
			t.Errorf("delivery %+v", d)
		}
	}
	if !slices.Equal(emails, []string{"a@hs.org", "b@hs.org", "c@hs.org"}) || len(f.rc.bad) > 0 {
		t.Fatalf("received %v (problems %v); want a, b, c in order", emails, f.rc.bad)
	}
	hooks, _ := f.store.Webhooks(t.Context(), "hs")
	if hooks[0].Cursor != f.rc.got[2].Cursor {
		t.Fatalf("cursor %d after delivering up to %d", hooks[0].Cursor, f.rc.got[2].Cursor)
	}
	// Nothing new: nothing sent again.
	if _, err := f.d.Deliver(t.Context()); err != nil || len(f.rc.got) != 3 {
		t.Fatalf("a second pass sent %d deliveries, %v", len(f.rc.got), err)
	}
}

func TestRetriesWithBackoffThenDelivers(t *testing.T) {
	f := newFixture(t, &receiver{failFirst: 2}, 8)
	f.add(t, "a@hs.org", "b@hs.org")
	next, err := f.d.Deliver(t.Context())
	if err != nil || len(f.rc.got) != 0 || next.Sub(f.now()) != time.Second {
		t.Fatalf("first pass: %d delivered, retry in %s, %v; want none, retry in 1s", len(f.rc.got), next.Sub(f.now()), err)
	}
	// Not due yet: nothing is sent.
	if _, err := f.d.Deliver(t.Context()); err != nil || f.rc.tries["rollcall-1"] != 1 {
		t.Fatalf("a pass before the retry is due sent again (%d tries)", f.rc.tries["rollcall-1"])
	}
	f.advance(time.Second)
	next, _ = f.d.Deliver(t.Context())
	if next.Sub(f.now()) != 2*time.Second {
		t.Fatalf("second backoff %s, want 2s", next.Sub(f.now()))
	}
	f.advance(2 * time.Second)
	if _, err := f.d.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(f.rc.got) != 2 || f.rc.got[0].Email != "a@hs.org" || f.rc.tries[f.rc.keys[0]] != 3 {
		t.Fatalf("delivered %+v after retries %v", f.rc.got, f.rc.tries)
	}
}

func TestGivenUpGoesToDeadLetters(t *testing.T) {
	f := newFixture(t, &receiver{failAll: true}, 3)
	f.add(t, "a@hs.org")
	for range 3 {
		if _, err := f.d.Deliver(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.advance(time.Hour)
	}
	dl, err := f.store.DeadLetters(t.Context(), "hs-hook")
	if err != nil || len(dl) != 1 || dl[0].Attempts != 3 || dl[0].Event.Email != "a@hs.org" || !strings.Contains(dl[0].Error, "503") {
		t.Fatalf("dead letters %+v, %v; want a@hs.org after 3 attempts", dl, err)
	}
	// The next event goes out once the receiver is back.
	f.rc.mu.Lock()
	f.rc.failAll = false
	f.rc.mu.Unlock()
	f.add(t, "b@hs.org")
	if _, err := f.d.Deliver(t.Context()); err != nil || len(f.rc.got) != 1 || f.rc.got[0].Email != "b@hs.org" {
		t.Fatalf("after the dead letter: delivered %+v, %v", f.rc.got, err)
	}
}

// Run wakes on a commit: a change is delivered without waiting for Poll.
func TestRunDeliversOnCommit(t *testing.T) {
	f := newFixture(t, &receiver{}, 8)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { f.d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond)
	f.add(t, "a@hs.org")
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.rc.mu.Lock()
		n := len(f.rc.got)
		f.rc.mu.Unlock()
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not deliver a committed change within 5s (Poll is 30s)")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"rollcall-1"}`)
	good := webhook.Sign(secret, now, body)
	for _, c := range []struct {
		name   string
		secret string
		header string
		body   []byte
		at     time.Time
		ok     bool
	}{
		{"good", secret, good, body, now, true},
		{"other secret", "nope", good, body, now, false},
		{"tampered body", secret, good, []byte(`{"id":"rollcall-2"}`), now, false},
		{"replayed later", secret, good, body, now.Add(10 * time.Minute), false},
		{"no timestamp", secret, "v1=00", body, now, false},
		{"garbage", secret, "hello", body, now, false},
	} {
		if err := webhook.Verify(c.secret, c.header, c.body, c.at, 5*time.Minute); (err == nil) != c.ok {
			t.Errorf("%s: Verify = %v, want ok %v", c.name, err, c.ok)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1800000000,v1=abcdef")
	f.Add(",,=,t=,v1=")
	f.Fuzz(func(t *testing.T, header string) {
		// Never panics, and only a header carrying the right MAC verifies.
		at := time.Unix(1_800_000_000, 0)
		_, mac, _ := strings.Cut(webhook.Sign(secret, at, []byte("{}")), ",")
		if webhook.Verify(secret, header, []byte("{}"), at, time.Minute) == nil && !strings.Contains(header, mac) {
			t.Fatalf("header %q verified without the MAC", header)
		}
	})
}
