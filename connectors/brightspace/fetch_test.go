package brightspace

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/brightspace/fake"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/license"
)

// demoRoles is fake.DemoRoles as connector settings.
func demoRoles() map[string]license.Role {
	out := map[string]license.Role{}
	for k, v := range fake.DemoRoles {
		out[k] = license.Role(v)
	}
	return out
}

// generated serves fake.Generate's tenant with its service user's token.
func generated(t *testing.T, d *fake.District, opts fake.Options, adjust func(*Settings)) *bsEnv {
	t.Helper()
	opts.Fidelity = true
	return newEnv(t, d, opts, fake.AdminUser, "d2l", nil, nil, func(s *Settings) {
		s.Roles = demoRoles()
		if adjust != nil {
			adjust(s)
		}
	})
}

// members works out from the tenant itself who a read of org units ous
// must return, by email as Brightspace holds it.
func members(d *fake.District, roles map[string]string, ous ...int) map[string]string {
	in := map[int]bool{}
	for _, ou := range ous {
		in[ou] = true
	}
	users := map[int]fake.User{}
	for _, u := range d.Users {
		users[u.ID] = u
	}
	out := map[string]string{}
	for _, e := range d.Enrollments {
		u := users[e.UserID]
		role, ok := roles[strconv.Itoa(e.RoleID)]
		if !in[e.OrgUnitID] || !ok || !u.Active || u.Email == "" {
			continue
		}
		if out[u.Email] != "teacher" {
			out[u.Email] = role
		}
	}
	return out
}

func offerings(d *fake.District, school int) []int {
	var out []int
	for _, ou := range d.OrgUnits {
		if ou.Type == fake.TypeCourseOffering && (school == 0 || ou.Parents[0] == school) {
			out = append(out, ou.ID)
		}
	}
	return out
}

func fetchAll(t *testing.T, c *Connector, sel connectors.Selection) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := c.Fetch(context.Background(), sel, func(ps []connectors.Person) error {
		for _, p := range ps {
			if p.Email != "" && out[p.Email] != "teacher" {
				out[p.Email] = string(p.Role)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func compare(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("nobody expected: the case cannot fail")
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s (%s)", k, v)
		}
	}
}

func TestFetchUnits(t *testing.T) {
	d := fake.Generate(3, 300, 12)
	withCo := maps.Clone(fake.DemoRoles)
	withCo[strconv.Itoa(fake.RoleCoTeacher)] = "teacher"
	cases := []struct {
		name  string
		units []string
		roles map[string]license.Role
		want  map[string]string
	}{
		{"the organization", []string{"orgunit:6606"}, nil, members(d, fake.DemoRoles, offerings(d, 0)...)},
		{"one school", []string{"orgunit:7002"}, nil, members(d, fake.DemoRoles, offerings(d, 7002)...)},
		{"one offering", []string{"offering:10003"}, nil, members(d, fake.DemoRoles, 10003)},
		{"one section", []string{"section:20006"}, nil, members(d, fake.DemoRoles, 20006)},
		{"a custom role mapped by name", []string{"orgunit:6606"}, map[string]license.Role{"Co-Teacher": license.RoleTeacher},
			members(d, withCo, offerings(d, 0)...)},
		{"an offering twice and its school", []string{"offering:10002", "offering:10002", "orgunit:7001"}, nil,
			members(d, fake.DemoRoles, offerings(d, 7001)...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := generated(t, d, fake.Options{PageSize: 40}, nil)
			compare(t, fetchAll(t, e.conn, connectors.Selection{Units: tc.units, Roles: tc.roles}), tc.want)
		})
	}
}

// Roles come from the configuration alone: the same tenant read with
// other ids maps other people.
func TestRolesFromConfig(t *testing.T) {
	d := fake.Generate(4, 120, 6)
	onlyTAs := map[string]string{strconv.Itoa(fake.RoleTA): "teacher"}
	e := generated(t, d, fake.Options{}, func(s *Settings) {
		s.Roles = map[string]license.Role{strconv.Itoa(fake.RoleTA): license.RoleTeacher}
	})
	compare(t, fetchAll(t, e.conn, connectors.Selection{Units: []string{"orgunit:6606"}}), members(d, onlyTAs, offerings(d, 0)...))
}

// Every grant spends the refresh token; the next is on disk before the
// access token is used, and a restart goes on from the file.
func TestRefreshTokenRotation(t *testing.T) {
	d := fake.Generate(5, 100, 4)
	e := generated(t, d, fake.Options{}, nil)
	seed := e.set.RefreshToken.Value()
	ctx := context.Background()
	sel := connectors.Selection{Units: []string{"orgunit:6606"}}
	pages := 0
	err := e.conn.Fetch(ctx, sel, func([]connectors.Person) error {
		pages++
		if pages == 2 {
			e.srv.ExpireTokens()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := e.srv.Counts(); c.Token != 2 {
		t.Fatalf("%d token grants, want 2 (the first and one after the expiry)", c.Token)
	}
	if n := e.srv.LiveRefreshTokens(); n != 1 {
		t.Fatalf("%d live refresh tokens at the fake, want exactly 1", n)
	}
	b, err := os.ReadFile(e.set.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), seed) {
		t.Fatal("the token file still holds the spent seed")
	}
	if fi, _ := os.Stat(e.set.TokenFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v", fi.Mode().Perm())
	}
	// A restart with the same (spent) seed in the config reads on from the file.
	again, err := New(e.set, connectors.OpenOptions{Name: "d2l", HTTPClient: e.srv.Client()}, WithClock(connectortest.NewClock()))
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Check(ctx); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	// Without the file the seed alone is dead, and the error says what to do.
	e.set.TokenFile = e.set.TokenFile + ".lost"
	lost, _ := New(e.set, connectors.OpenOptions{Name: "d2l", HTTPClient: e.srv.Client()})
	err = lost.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "consent again") {
		t.Fatalf("Check with a spent refresh token = %v", err)
	}
	if strings.Contains(err.Error(), seed) || strings.Contains(err.Error(), e.set.ClientSecret.Value()) {
		t.Fatal("a secret leaked into the error")
	}
}

// Brightspace hides what the service user may not see: users of roles it
// may not search for are simply absent, and a caller who may not see
// emails gets nulls, which the connector refuses to plan from.
func TestPermissionTraps(t *testing.T) {
	d := fake.Generate(6, 200, 8)
	t.Run("hidden role", func(t *testing.T) {
		e := generated(t, d, fake.Options{}, nil)
		e.srv.HideRoles(fake.RoleLearner)
		onlyStaff := map[string]string{strconv.Itoa(fake.RoleInstructor): "teacher", strconv.Itoa(fake.RoleTA): "teacher"}
		got := fetchAll(t, e.conn, connectors.Selection{Units: []string{"orgunit:6606"}})
		compare(t, got, members(d, onlyStaff, offerings(d, 0)...))
	})
	// However few people the read finds (connectors.EmailCount's rule;
	// this connector once let reads of fewer than 20 people pass).
	for _, size := range []int{200, 3} {
		t.Run(fmt.Sprintf("emails hidden/%d people generated", size), func(t *testing.T) {
			blank := fake.Generate(6, size, max(1, size/25))
			sel := connectors.Selection{Units: []string{"orgunit:6606"}}
			shown := 0
			if err := generated(t, blank, fake.Options{}, nil).conn.Fetch(context.Background(), sel, func(p []connectors.Person) error {
				shown += len(p)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if shown == 0 || (shown < 20) != (size < 20) {
				t.Fatalf("%d people read with emails shown", shown)
			}
			for i := range blank.Users {
				blank.Users[i].Email = ""
			}
			e := generated(t, blank, fake.Options{}, nil)
			err := e.conn.Fetch(context.Background(), sel, func([]connectors.Person) error { return nil })
			if !errors.Is(err, ErrEmailsHidden) || !errors.Is(err, connectors.ErrNoEmails) {
				t.Fatalf("Fetch with every email null = %v, want ErrEmailsHidden and connectors.ErrNoEmails", err)
			}
			for _, want := range []string{`"d2l"`, fmt.Sprintf("%d people read", shown), "permission to see email addresses"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not say %q", err, want)
				}
			}
		})
	}
}

// The credit bucket: a spent bucket answers 429 with only Retry-After,
// which is honoured; a low bucket makes the connector pause until it
// refills.
func TestCreditBucket(t *testing.T) {
	d := fake.Generate(7, 100, 4)
	clock := connectortest.NewClock()
	rec := connectortest.NewRecorder()
	// The fake's bucket refills on the connector's clock.
	e := newEnv(t, d, fake.Options{Fidelity: true, Now: clock.Now}, fake.AdminUser, "d2l", rec, clock, func(s *Settings) { s.Roles = demoRoles() })
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.SpendCredits(fake.BucketSize)
	got := fetchAll(t, e.conn, connectors.Selection{Units: []string{"orgunit:6606"}})
	if len(got) == 0 {
		t.Fatal("nobody read")
	}
	if e.srv.Counts().Throttled == 0 || rec.Retries(metrics.ReasonRateLimit) == 0 {
		t.Fatalf("throttled %d, retries %v: the bucket never ran dry", e.srv.Counts().Throttled, rec.AllRetries())
	}
	var slept time.Duration
	for _, s := range clock.Slept() {
		slept += s
	}
	if slept < time.Second {
		t.Errorf("slept %s in all, though Brightspace asked to wait for the refill", slept)
	}
}

func TestVersions(t *testing.T) {
	d := fake.Generate(8, 60, 3)
	t.Run("latest of the tenant", func(t *testing.T) {
		e := generated(t, d, fake.Options{Versions: []string{"1.30", "1.31"}}, nil)
		if len(fetchAll(t, e.conn, connectors.Selection{Units: []string{"orgunit:6606"}})) == 0 {
			t.Fatal("nobody read")
		}
		if e.conn.version != "1.31" {
			t.Fatalf("lp version %q, want the tenant's latest 1.31", e.conn.version)
		}
	})
	t.Run("pinned and not served", func(t *testing.T) {
		e := generated(t, d, fake.Options{}, func(s *Settings) { s.LPVersion = "1.20" })
		err := e.conn.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("Check on an unserved version = %v", err)
		}
	})
}

func TestValidateSelection(t *testing.T) {
	e := generated(t, fake.Generate(9, 40, 3), fake.Options{}, nil)
	cases := []struct {
		units []string
		want  error
	}{
		{[]string{"orgunit:6606", "offering:10001", "section:20002"}, nil},
		{[]string{"offering:99999"}, ErrUnknownUnit},
		{[]string{"course:10001"}, ErrBadUnit},
		{[]string{"offering:abc"}, ErrBadUnit},
		{[]string{"orgunit:"}, ErrBadUnit},
	}
	for _, tc := range cases {
		err := e.conn.ValidateSelection(context.Background(), connectors.Selection{Units: tc.units})
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%v: %v, want %v", tc.units, err, tc.want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	good := Settings{BaseURL: "https://d.brightspace.com", ClientID: "id", ClientSecret: "cl1ent-s3cret", RefreshToken: "r3fresh-t0ken",
		TokenFile: "t.json", Roles: map[string]license.Role{"110": license.RoleStudent}}
	cases := []struct {
		name   string
		edit   func(*Settings)
		fields []string
	}{
		{"good", func(*Settings) {}, nil},
		{"no roles", func(s *Settings) { s.Roles = nil }, []string{"settings.roles"}},
		{"bad role", func(s *Settings) { s.Roles = map[string]license.Role{"110": "pupil"} }, []string{"settings.roles.110"}},
		{"no token file", func(s *Settings) { s.TokenFile = "" }, []string{"settings.token_file"}},
		{"no secrets", func(s *Settings) { s.ClientSecret, s.RefreshToken = "", "" }, []string{"settings.client_secret", "settings.refresh_token"}},
		{"bad version", func(s *Settings) { s.LPVersion = "v1" }, []string{"settings.lp_version"}},
		{"bad urls", func(s *Settings) { s.BaseURL, s.TokenURL = "d.brightspace.com", "ftp://x" }, []string{"settings.base_url", "settings.token_url"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.edit(&s)
			err := s.Validate()
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("validated")
			}
			for _, f := range tc.fields {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("%v does not name %s", err, f)
				}
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "t0ken") {
				t.Errorf("a secret leaked: %v", err)
			}
		})
	}
}

func TestSecretsRedacted(t *testing.T) {
	s := Settings{ClientSecret: "cl1ent-s3cret", RefreshToken: "r3fresh-t0ken"}
	if out := config.Secret(s.ClientSecret).String(); strings.Contains(out, "s3cret") {
		t.Fatalf("secret prints as %q", out)
	}
}
