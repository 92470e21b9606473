package googledirectory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// inFlight counts the users.list requests in flight and their peak.
type inFlight struct {
	next       http.RoundTripper
	cur, peak  atomic.Int64
	usersLists atomic.Int64
}

func newInFlight() *inFlight { return &inFlight{next: defaultTransport(MaxConcurrency)} }

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users") {
		f.usersLists.Add(1)
		n := f.cur.Add(1)
		defer f.cur.Add(-1)
		for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
		}
	}
	return f.next.RoundTrip(r)
}

// oddEmails are users whose primary email starts with each kind of first
// character Google's username rules allow, put where the first pages
// (in id order) never show them.
var oddEmails = []string{"élodie.bernard", "_ops.desk", "'oconnor.k", "-dash.user", "9lives.cat", "ßtrasse.k", "zz.last", "øystein.n"}

// concurrentEnv serves a district of many org units, plus oddEmails in a
// grade unit, read at pageSize with the given concurrency.
func concurrentEnv(t *testing.T, people, pageSize, concurrency int, fl *inFlight) *googleEnv {
	t.Helper()
	d := fake.Generate(11, people)
	eo := envOptions{settings: func(s *Settings) {
		s.MaxResults = pageSize
		s.Concurrency = concurrency
		s.SplitByEmail = true
	}}
	if fl != nil {
		eo.transport = fl
	}
	e := newEnv(t, d, eo)
	grade := "/Students/" + d.Schools[0].Name + "/" + d.Schools[0].Grades[0]
	for _, local := range oddEmails {
		if _, err := e.srv.Add(fake.User{PrimaryEmail: local + "@" + d.Domain, GivenName: "Odd", FamilyName: local, OrgUnitPath: grade}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// The concurrent read emits exactly the directory's active users of the
// selection, each once, for every shape of selection, through the
// fidelity recorders; it runs listings side by side, never more than
// the limit.
func TestConcurrentReadMatchesDirectory(t *testing.T) {
	d0 := fake.Generate(11, 0)
	school := "/Students/" + d0.Schools[0].Name
	cases := []struct {
		name        string
		units       []string
		exact       bool
		concurrency int
		pageSize    int
	}{
		{"whole account", []string{"/"}, false, 4, 25},
		{"students and staff", []string{"/Students", "/Staff"}, false, 10, 20},
		{"nested units read once", []string{"/Students", school, "/Staff/District Office"}, false, 3, 15},
		{"units exactly", []string{school, "/Staff/" + d0.Schools[0].Name}, true, 6, 10},
		{"two at a time", []string{"/Students", "/Staff"}, false, 2, 50},
		{"sequential", []string{"/Students", "/Staff"}, false, 1, 40},
		{"one page per unit", []string{"/Staff/District Office"}, false, 8, 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fl := newInFlight()
			e := concurrentEnv(t, 1500, tc.pageSize, tc.concurrency, fl)
			e.srv.RecordFidelity()
			t.Cleanup(func() { e.srv.CheckFidelity(t) })
			e.srv.SlowPages(3 * time.Millisecond) // so that listings overlap
			sel := connectors.Selection{Units: tc.units, Roles: map[string]license.Role{"/Staff": license.RoleTeacher}}
			if tc.exact {
				sel.Options = map[string]string{OptionIncludeSubOrgUnits: "false"}
			}
			got, err := collect(t, e.conn, sel)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]fake.User{}
			for _, u := range tc.units {
				for _, x := range e.srv.ActiveIn(u, !tc.exact) {
					want[x.ID] = x
				}
			}
			if len(want) < 10 {
				t.Fatalf("the case selects %d people: too few to test anything", len(want))
			}
			for id, u := range want {
				p, ok := got[id]
				switch {
				case !ok:
					t.Errorf("missing %s (%s in %s)", id, u.PrimaryEmail, u.OrgUnitPath)
				case p.Email != u.PrimaryEmail || p.OrgUnit != u.OrgUnitPath:
					t.Errorf("%s: got %s in %s, want %s in %s", id, p.Email, p.OrgUnit, u.PrimaryEmail, u.OrgUnitPath)
				}
				if ok && (p.Role == license.RoleTeacher) != under(u.OrgUnitPath, "/Staff") {
					t.Errorf("%s in %s: role %s", u.PrimaryEmail, u.OrgUnitPath, p.Role)
				}
			}
			for id, p := range got {
				if _, ok := want[id]; !ok {
					t.Errorf("emitted %s (%s in %s), not in the selection", id, p.Email, p.OrgUnit)
				}
			}
			peak := fl.peak.Load()
			if peak > int64(tc.concurrency) {
				t.Errorf("peak %d users.list requests in flight, limit %d", peak, tc.concurrency)
			}
			if pages := fl.usersLists.Load(); tc.concurrency > 1 && pages > int64(len(tc.units)) && peak < 2 {
				t.Errorf("%d users.list requests, never two at once (limit %d)", pages, tc.concurrency)
			}
			t.Logf("%d people, %d users.list requests, peak %d in flight", len(got), fl.usersLists.Load(), peak)
		})
	}
}

// One listing failing fails the read, stops the others, and nothing is
// emitted after Fetch returns.
func TestConcurrentReadFailingListingFailsRead(t *testing.T) {
	sel := connectors.Selection{Units: []string{"/Students", "/Staff"}}
	full := newInFlight()
	e := concurrentEnv(t, 3000, 10, 4, full)
	if _, err := collect(t, e.conn, sel); err != nil {
		t.Fatal(err)
	}
	for _, code := range []int{400, 503} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			fl := newInFlight()
			e := concurrentEnv(t, 3000, 10, 4, fl)
			e.srv.FailOnPage(5, code) // past the probe pages: inside the split listings
			var returned atomic.Bool
			late := 0
			err := e.conn.Fetch(context.Background(), sel, func([]connectors.Person) error {
				if returned.Load() {
					late++
				}
				return nil
			})
			returned.Store(true)
			if err == nil {
				t.Fatal("Fetch succeeded though every listing's page 5 failed")
			}
			if !strings.Contains(err.Error(), `"district"`) || !strings.Contains(err.Error(), "page 5") {
				t.Errorf("error %q does not name the connector and the page", err)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Errorf("error %v is not an APIError", err)
			}
			if late != 0 {
				t.Errorf("%d pages emitted after Fetch returned", late)
			}
			// The other listings were cancelled rather than read to the end.
			if got, all := fl.usersLists.Load(), full.usersLists.Load(); got >= all {
				t.Errorf("%d users.list requests after a failure, a whole read takes %d", got, all)
			}
		})
	}
}

// An error from emit stops the read and comes back as it is; so does a
// cancelled context.
func TestConcurrentReadStops(t *testing.T) {
	sel := connectors.Selection{Units: []string{"/Students", "/Staff"}}
	stop := errors.New("the store is full")
	t.Run("emit error", func(t *testing.T) {
		e := concurrentEnv(t, 2000, 10, 6, nil)
		n := 0
		err := e.conn.Fetch(context.Background(), sel, func([]connectors.Person) error {
			if n++; n == 5 {
				return stop
			}
			if n > 5 {
				t.Error("emit called after it failed")
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Fatalf("Fetch = %v, want the emit error", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		e := concurrentEnv(t, 2000, 10, 6, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		err := e.conn.Fetch(ctx, sel, func([]connectors.Person) error {
			if n++; n == 5 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Fetch = %v, want context.Canceled", err)
		}
	})
}

// Google's over-quota answers met by listings in flight together are each
// retried, and the read still returns everyone.
func TestConcurrentReadRetriesRateLimits(t *testing.T) {
	e := concurrentEnv(t, 2000, 20, 8, nil)
	e.srv.SlowPages(2 * time.Millisecond)
	e.srv.RateLimit(fake.QuotaExceeded, 5, 0) // Google's "too many concurrent requests"
	got, err := collect(t, e.conn, connectors.Selection{Units: []string{"/"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(e.srv.ActiveIn("/", true)); len(got) != want {
		t.Errorf("%d people, want %d", len(got), want)
	}
	if r := e.rec.Retries(reasonRateLimit); r != 5 {
		t.Errorf("%d rate-limit retries, want 5", r)
	}
}

// quotaClock is a fake clock only the token bucket's waits move, each by
// its length, so minutes of pacing pass at once. Waits side by side add
// up, which only makes the clock run ahead of the pacing: never more
// requests in a fake minute than in a real one.
type quotaClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *quotaClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *quotaClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return ctx.Err()
}

// Paced to 90 % of the fake's per-minute quota (the headroom covers
// requests reordered in flight), a concurrent read is never refused;
// unpaced, the same read is (so the check can fail). The fake and the
// token bucket share a fake clock, so minutes pass at once.
func TestConcurrentReadWithinQuota(t *testing.T) {
	const perMinute = 120
	for _, paced := range []bool{true, false} {
		t.Run(fmt.Sprintf("paced=%v", paced), func(t *testing.T) {
			fl := newInFlight()
			clock := &quotaClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			start := clock.Now()
			e := newEnv(t, fake.Generate(5, 3000), envOptions{transport: fl, quotaClock: clock, settings: func(s *Settings) {
				s.MaxResults = 25
				s.Concurrency = 8
				s.SplitByEmail = true
				if paced {
					s.QuotaPerMinute, s.QuotaPercent = perMinute, 90
				}
			}})
			e.srv.SetQuotaClock(clock.Now)
			e.srv.SetQuota(perMinute)
			e.srv.SlowPages(time.Millisecond)
			got, err := collect(t, e.conn, connectors.Selection{Units: []string{"/"}})
			refused, sent := e.srv.QuotaRefused(), fl.usersLists.Load()
			if sent <= perMinute {
				t.Fatalf("the read took %d requests: too few to run into a quota of %d", sent, perMinute)
			}
			if !paced {
				if refused == 0 {
					t.Fatalf("an unpaced read of %d requests in no time was never refused", sent)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if refused != 0 || e.rec.TotalRetries() != 0 {
				t.Errorf("%d requests refused for quota, %d retries; want none", refused, e.rec.TotalRetries())
			}
			if want := len(e.srv.ActiveIn("/", true)); len(got) != want {
				t.Errorf("%d people, want %d", len(got), want)
			}
			t.Logf("%d requests over %s of paced time", sent, clock.Now().Sub(start))
		})
	}
}

// A split listing keeps only users whose primary email starts with its
// character, except those no listing's character covers, kept once.
func TestSplitKeep(t *testing.T) {
	sp := &split{seen: map[string]bool{"1": true}, alphabet: map[string]bool{"a": true, "b": true, "é": true}}
	user := func(id, email string) *admin.User { return &admin.User{Id: id, PrimaryEmail: email} }
	steps := []struct {
		ch   string
		u    *admin.User
		keep bool
	}{
		{"a", user("1", "ann@x"), false},   // sent by the first pages
		{"a", user("2", "amy@x"), true},    // its listing
		{"a", user("3", "Abe@x"), true},    // upper case is the same letter
		{"b", user("2", "amy@x"), false},   // by an alias: amy's own listing sends her
		{"a", user("4", "Élise@x"), false}, // é has a listing of its own
		{"é", user("4", "élise@x"), true},
		{"a", user("5", "łukasz@x"), true}, // in no listing's alphabet: the first to see it
		{"b", user("5", "łukasz@x"), false},
		{"a", user("6", ""), true}, // no email at all: kept once
		{"b", user("6", ""), false},
	}
	for i, s := range steps {
		if got := sp.keep(s.ch, s.u); got != s.keep {
			t.Errorf("step %d: listing %q keep(%s %q) = %v, want %v", i, s.ch, s.u.Id, s.u.PrimaryEmail, got, s.keep)
		}
	}
}

func TestEmailPrefixQuery(t *testing.T) {
	cases := map[string]string{
		"a": "email:a*",
		"7": "email:7*",
		"_": "email:'_*'",
		"'": `email:'\'*'`,
		"é": "email:'é*'",
		`\`: `email:'\\*'`,
	}
	for ch, want := range cases {
		if got := emailPrefixQuery(ch); got != want {
			t.Errorf("emailPrefixQuery(%q) = %s, want %s", ch, got, want)
		}
	}
}

// A unit is split only when its first pages took longer than the split
// latency: pages that come fast mean this machine's decoding is the limit,
// and splitting would only add requests. (The latencies are set at the
// extremes so that the test does not depend on the machine's speed.)
func TestSplitOnlyWhenPagesAreSlow(t *testing.T) {
	sel := connectors.Selection{Units: []string{"/Students"}}
	for _, slow := range []bool{false, true} {
		t.Run(fmt.Sprintf("slow=%v", slow), func(t *testing.T) {
			fl := newInFlight()
			split := time.Hour // no page is ever that slow
			if slow {
				split = 0 // every page is
			}
			e := newEnv(t, fake.Generate(3, 800), envOptions{transport: fl, splitLatency: split,
				settings: func(s *Settings) { s.MaxResults = 20; s.Concurrency = 8; s.SplitByEmail = true }})
			e.srv.SlowPages(2 * time.Millisecond)
			got, err := collect(t, e.conn, sel)
			if err != nil {
				t.Fatal(err)
			}
			want := len(e.srv.ActiveIn("/Students", true))
			if len(got) != want {
				t.Fatalf("%d people, want %d", len(got), want)
			}
			sequential := int64((want + 19) / 20)
			n, peak := fl.usersLists.Load(), fl.peak.Load()
			if !slow && (n != sequential || peak != 1) {
				t.Errorf("fast pages: %d requests, peak %d in flight; want %d one at a time", n, peak, sequential)
			}
			if slow && (n <= sequential || peak < 2) {
				t.Errorf("slow pages: %d requests, peak %d in flight; want a split read (more than %d, side by side)", n, peak, sequential)
			}
		})
	}
}

// The split rule: pages that waited long for their first byte, and long
// compared with reading and decoding them (Google's latency), are split;
// fast pages, and pages slow at everything (a busy machine), are not.
func TestShouldSplit(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name            string
		latency         time.Duration
		firstByte, rest time.Duration
		want            bool
	}{
		{"google's latency", DefaultSplitLatency, 3 * 200 * ms, 3 * 5 * ms, true},
		{"fast fake", DefaultSplitLatency, 3 * 8 * ms, 3 * 4 * ms, false},
		{"busy machine", DefaultSplitLatency, 3 * 150 * ms, 3 * 90 * ms, false},
		{"just at the line", DefaultSplitLatency, 3 * DefaultSplitLatency, 3 * DefaultSplitLatency / waitFactor, true},
		{"tests always split", 0, 0, 0, true},
		{"never", time.Hour, 3 * time.Second, 0, false},
	}
	for _, tc := range cases {
		c := &Connector{splitLatency: tc.latency}
		if got := c.shouldSplit(tc.firstByte, tc.rest); got != tc.want {
			t.Errorf("%s: shouldSplit(%s, %s) = %v, want %v", tc.name, tc.firstByte, tc.rest, got, tc.want)
		}
	}
}

func TestBiggestFirst(t *testing.T) {
	for _, tc := range []struct {
		chars  []string
		sample map[string]int
		want   []string
	}{
		{[]string{"a", "b", "m", "t"}, map[string]int{"m": 40, "t": 38, "a": 12}, []string{"m", "t", "a", "b"}},
		{[]string{"0", "a", "b"}, map[string]int{}, []string{"0", "a", "b"}},                       // no sample: alphabet order
		{[]string{"c", "a", "b"}, map[string]int{"a": 5, "b": 5, "c": 5}, []string{"c", "a", "b"}}, // ties keep order
	} {
		got := biggestFirst(tc.chars, tc.sample)
		if !slices.Equal(got, tc.want) {
			t.Errorf("biggestFirst(%v, %v) = %v, want %v", tc.chars, tc.sample, got, tc.want)
		}
	}
}
