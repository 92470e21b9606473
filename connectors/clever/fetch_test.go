package clever

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/clever/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/license"
)

// collect runs a Fetch and folds it as the planner does.
func collect(t *testing.T, c *Connector, sel connectors.Selection) (*reconcile.Snapshot, error) {
	t.Helper()
	return reconcile.Collect(context.Background(), c, sel)
}

func members(snap *reconcile.Snapshot) map[string]string {
	out := map[string]string{}
	for _, p := range snap.People {
		out[p.Email] = string(p.Role)
	}
	return out
}

// The district read equals the district's students and teachers with an
// email, teachers winning, whatever page size; staff, district admins
// and contacts stay out; people without email are skipped and counted.
func TestDistrictMembers(t *testing.T) {
	d := fake.Generate(7, 400, 3)
	want := d.Members()
	noEmail := 0
	for _, u := range d.Users {
		if u.Email == "" && (u.Student != nil || u.Teacher != nil) {
			noEmail++
		}
	}
	for _, size := range []int{1000, 7, 1} {
		e := newEnv(t, d, "district", nil, nil, func(s *Settings) { s.PageSize = size })
		snap, err := collect(t, e.conn, connectors.Selection{Units: []string{"district"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := members(snap); !maps.Equal(got, want) {
			t.Fatalf("page size %d: %d members, want %d", size, len(got), len(want))
		}
		skipped := map[string]bool{}
		for _, sk := range snap.Skipped {
			if sk.Email == "" {
				skipped[sk.ExternalID] = true
			}
		}
		if len(skipped) != noEmail || noEmail == 0 {
			t.Fatalf("page size %d: %d skipped without email, want %d", size, len(skipped), noEmail)
		}
	}
}

// Mapping staff and district admins brings them in with their role; a
// teacher who is also staff keeps the stronger role.
func TestStaffMapped(t *testing.T) {
	d := fake.Generate(8, 200, 2)
	e := newEnv(t, d, "staff", nil, nil, nil)
	snap, err := collect(t, e.conn, connectors.Selection{Units: []string{"district"},
		Roles: map[string]license.Role{"staff": license.RoleOther, "district_admin": license.RoleOther}})
	if err != nil {
		t.Fatal(err)
	}
	got := members(snap)
	staffOnly := 0
	for _, u := range d.Users {
		if u.Email == "" {
			continue
		}
		e := strings.ToLower(u.Email)
		switch {
		case u.Teacher != nil:
			if got[e] != "teacher" {
				t.Errorf("%s (teacher, staff %v) is %q", e, u.Staff != nil, got[e])
			}
		case u.Staff != nil || u.DistrictAdmin != nil:
			staffOnly++
			if got[e] != "other" {
				t.Errorf("%s (staff) is %q", e, got[e])
			}
		}
	}
	if n := len(got) - len(d.Members()); n != staffOnly {
		t.Errorf("%d more members with staff mapped, want %d", n, staffOnly)
	}
}

// A teacher unit is the sections that user teaches, not those they are
// in otherwise; a school unit is the users with a role at that school.
func TestTeacherAndSchoolUnits(t *testing.T) {
	d := fake.Generate(9, 300, 2)
	e := newEnv(t, d, "units", nil, nil, nil)
	byID := map[string]fake.User{}
	for _, u := range d.Users {
		byID[u.ID] = u
	}
	teacher := d.Sections[0].Teachers[0]
	want := map[string]string{}
	for _, s := range d.Sections {
		if !slices.Contains(s.Teachers, teacher) {
			continue
		}
		for _, id := range s.Students {
			if u := byID[id]; u.Email != "" && want[strings.ToLower(u.Email)] == "" {
				want[strings.ToLower(u.Email)] = "student"
			}
		}
		for _, id := range s.Teachers {
			want[strings.ToLower(byID[id].Email)] = "teacher"
		}
	}
	snap, err := collect(t, e.conn, connectors.Selection{Units: []string{"teacher:" + teacher}})
	if err != nil {
		t.Fatal(err)
	}
	if got := members(snap); !maps.Equal(got, want) || len(want) < 3 {
		t.Fatalf("teacher unit: %v\nwant %v", got, want)
	}

	school := d.Schools[1].ID
	want = map[string]string{}
	for _, u := range d.Users {
		if u.Email == "" {
			continue
		}
		switch {
		case u.HasAt("teacher", school):
			want[strings.ToLower(u.Email)] = "teacher"
		case u.HasAt("student", school):
			want[strings.ToLower(u.Email)] = "student"
		}
	}
	snap, err = collect(t, e.conn, connectors.Selection{Units: []string{"school:" + school}})
	if err != nil {
		t.Fatal(err)
	}
	if got := members(snap); !maps.Equal(got, want) || len(want) < 10 {
		t.Fatalf("school unit: %d members, want %d", len(got), len(want))
	}
}

// Clever's 1,200 a minute, here 9: a long read waits each window out
// (until X-RateLimit-Reset) and completes; it pauses before spending a
// window rather than running into 429s.
func TestRateLimitWindowsWaitedOut(t *testing.T) {
	d := fake.Generate(10, 300, 2)
	clock := connectortest.NewClock()
	srv := fake.New(fake.Options{District: d, Now: clock.Now, RateLimit: 9, Fidelity: true})
	t.Cleanup(func() { srv.Close(); srv.Fidelity().Check(t) })
	c, err := New(Settings{BaseURL: srv.URL(), Token: config.Secret(srv.DistrictToken()), PageSize: 10},
		connectors.OpenOptions{Name: "windows", HTTPClient: srv.Client()}, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	snap, err := collect(t, c, connectors.Selection{Units: []string{"district"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := members(snap); !maps.Equal(got, d.Members()) {
		t.Fatalf("%d members, want %d", len(got), len(d.Members()))
	}
	pages := int(srv.Counts().ListPages)
	if minutes := clock.Now().Sub(start); pages <= 9 || minutes < time.Duration(pages/9-1)*time.Minute {
		t.Fatalf("%d pages in %s of clock: the windows were not waited out", pages, minutes)
	}
	if n := srv.Counts().Throttled; n != 0 {
		t.Fatalf("%d requests ran into a 429: the connector did not pause at a spent window", n)
	}
}

// A 429 that arrives anyway is waited out until X-RateLimit-Reset, even
// when that is longer than any backoff.
func TestRateLimitResetHonored(t *testing.T) {
	d := fake.Generate(11, 50, 1)
	clock := connectortest.NewClock()
	e := newEnv(t, d, "reset", nil, clock, nil)
	e.srv.RateLimit(2, 50*time.Second)
	if _, err := collect(t, e.conn, connectors.Selection{Units: []string{"district"}}); err != nil {
		t.Fatal(err)
	}
	slept := clock.Slept()
	if len(slept) < 2 || slept[0] < 50*time.Second || slept[1] < 50*time.Second {
		t.Fatalf("slept %v, want two waits of at least 50s", slept)
	}
}

// Answers not worth retrying fail at once, with what to do and never the
// token: a refused token, a user token (HTML), an unknown section, a bad
// unit, a contact mapping.
func TestRefusals(t *testing.T) {
	d := fake.Generate(12, 60, 1)
	cases := []struct {
		name  string
		token func(*fake.Server) string
		units []string
		roles map[string]license.Role
		is    error
		say   string
		calls bool
	}{
		{"revoked token", func(s *fake.Server) string { t := s.DistrictToken(); s.RevokeTokens(); return t }, []string{"district"}, nil, nil, "settings.token", true},
		{"user token answered with HTML", (*fake.Server).UserToken, []string{"district"}, nil, ErrWrongToken, "district-app", true},
		{"section not shared", (*fake.Server).DistrictToken, []string{"section:" + fake.ObjectID(fake.KindSection, 9999)}, nil, ErrUnknownUnit, "404", true},
		{"bad unit", (*fake.Server).DistrictToken, []string{"course:1"}, nil, ErrBadUnit, "course:1", false},
		{"contacts mapped", (*fake.Server).DistrictToken, []string{"district"}, map[string]license.Role{"contact": license.RoleOther}, nil, "never members", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := connectortest.NewRecorder()
			srv := fake.New(fake.Options{District: d, Fidelity: true})
			t.Cleanup(func() { srv.Close(); srv.Fidelity().Check(t) })
			tok := tc.token(srv)
			c, err := New(Settings{BaseURL: srv.URL(), Token: config.Secret(tok)},
				connectors.OpenOptions{Name: "refusals", Upstream: rec, HTTPClient: srv.Client()}, WithClock(connectortest.NewClock()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = collect(t, c, connectors.Selection{Units: tc.units, Roles: tc.roles})
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			for _, w := range []string{tc.say, `"refusals"`} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tok) {
				t.Errorf("error %q contains the token", err)
			}
			if n := rec.TotalRetries(); n != 0 {
				t.Errorf("%d retries of an answer not worth retrying", n)
			}
			if tc.calls != (rec.Requests(0) > 0) {
				t.Errorf("%d requests made", rec.Requests(0))
			}
		})
	}
}

// With retry.rate_window set, 429s do not count as attempts: more of them
// than max_attempts are each waited out until X-RateLimit-Reset and the
// read completes.
func TestRateWindowWaitsOutMore(t *testing.T) {
	d := fake.Generate(13, 80, 1)
	clock := connectortest.NewClock()
	e := newEnv(t, d, "window", nil, clock, func(s *Settings) {
		s.Retry.RateWindow = time.Minute
		s.Retry.MaxAttempts = 3
	})
	e.srv.RateLimit(8, 20*time.Second)
	snap, err := collect(t, e.conn, connectors.Selection{Units: []string{"district"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := members(snap); !maps.Equal(got, d.Members()) {
		t.Fatalf("%d members, want %d", len(got), len(d.Members()))
	}
	long := 0
	for _, s := range clock.Slept() {
		if s >= 20*time.Second {
			long++
		}
	}
	if long < 8 {
		t.Fatalf("slept %v: want eight waits of at least 20s", clock.Slept())
	}
}
