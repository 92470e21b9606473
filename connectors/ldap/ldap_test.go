package ldap

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/ldap/ldaptest"
	"github.com/rollcall-sync/rollcall/license"
)

func open(t *testing.T, set Settings) *Connector {
	t.Helper()
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := New(set.withDefaults(), connectors.OpenOptions{Name: "district-ad", Logger: slog.New(slog.DiscardHandler)},
		WithClock(connectortest.NewClock()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fetchAll(t *testing.T, c *Connector, sel connectors.Selection) (map[string]connectors.Person, error) {
	t.Helper()
	got := map[string]connectors.Person{}
	err := c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
		for _, p := range page {
			if prev, ok := got[p.Email]; ok && prev.Role == license.RoleTeacher {
				continue // strongest role wins, as the planner folds
			}
			got[p.Email] = p
		}
		return nil
	})
	return got, err
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A small AD-shaped district: OUs per school with a sub-OU, groups nested
// three deep with a loop, a disabled account, a person with only a UPN.
func district(t *testing.T) *ldaptest.Server {
	t.Helper()
	srv := ldaptest.Start(t)
	hs := "ou=High," + ldaptest.PeopleDN
	g9 := "ou=Grade 9," + hs
	srv.AddOU(t, hs)
	srv.AddOU(t, g9)
	srv.AddUsers(t,
		ldaptest.User{CN: "ann", OU: hs, Given: "Ann", Family: "Lee", DisplayName: "Ann Lee", Mail: "ann@district.example.org"},
		ldaptest.User{CN: "bob", OU: g9, Given: "Bob", Family: "Kim", Mail: "Bob@District.Example.org"},
		ldaptest.User{CN: "cy", OU: g9, Given: "Cy", Family: "Old", Mail: "cy@district.example.org", Disabled: true},
		ldaptest.User{CN: "dee", OU: hs, Given: "Dee", Family: "Upn", UPN: "dee@district.example.org"},
		ldaptest.User{CN: "eve", Given: "Eve", Family: "Staff", DisplayName: "Eve Staff", Mail: "eve@district.example.org"},
	)
	ann, bob, eve := "cn=ann,"+hs, "cn=bob,"+g9, "cn=eve,"+ldaptest.PeopleDN
	inner := srv.AddGroup(t, "inner", bob)
	middle := srv.AddGroup(t, "middle", inner, ann)
	srv.AddGroup(t, "teachers", middle, eve)
	// A loop: inner also holds teachers.
	srv.Modify(t, inner, map[string][]string{"member": {bob, "cn=teachers," + ldaptest.GroupsDN}})
	return srv
}

func TestUnits(t *testing.T) {
	ldaptest.Need(t)
	srv := district(t)
	c := open(t, testSettings(srv, srv.URL))
	hs := "ou=High," + ldaptest.PeopleDN
	teachers := "cn=teachers," + ldaptest.GroupsDN
	cases := []struct {
		name string
		unit string
		want []string
	}{
		{"ou subtree, disabled left out, UPN as email", "ou:" + hs, []string{"Bob@District.Example.org", "ann@district.example.org", "dee@district.example.org"}},
		{"ou one level", "ou-onelevel:" + hs, []string{"ann@district.example.org", "dee@district.example.org"}},
		{"group direct members", "group:" + teachers, []string{"eve@district.example.org"}},
		{"nested group through a loop", "nested-group:" + teachers, []string{"Bob@District.Example.org", "ann@district.example.org", "eve@district.example.org"}},
		{"filter", "filter:(givenName=Eve)", []string{"eve@district.example.org"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fetchAll(t, c, connectors.Selection{Units: []string{tc.unit}})
			if err != nil {
				t.Fatal(err)
			}
			if k := keys(got); !slices.Equal(k, tc.want) {
				t.Errorf("got %v, want %v", k, tc.want)
			}
		})
	}
	t.Run("fields", func(t *testing.T) {
		got, err := fetchAll(t, c, connectors.Selection{Units: []string{"ou:" + hs}, Roles: map[string]license.Role{hs: license.RoleTeacher}})
		if err != nil {
			t.Fatal(err)
		}
		ann := got["ann@district.example.org"]
		if ann.Name != "Ann Lee" || ann.Role != license.RoleTeacher || ann.OrgUnit != hs {
			t.Errorf("ann = %+v", ann)
		}
		if bob := got["Bob@District.Example.org"]; bob.Name != "Bob Kim" {
			t.Errorf("bob's name from givenName and sn = %q", bob.Name)
		}
		// objectGUID in AD's string form: 8-4-4-4-12 hex digits.
		if id := ann.ExternalID; len(id) != 36 || strings.Count(id, "-") != 4 {
			t.Errorf("external id %q is not a GUID string", id)
		}
	})
	t.Run("openldap flavor uses entryUUID", func(t *testing.T) {
		set := testSettings(srv, srv.URL)
		set.Flavor = FlavorOpenLDAP
		set.UserFilter = "(objectClass=user)"
		got, err := fetchAll(t, open(t, set), connectors.Selection{Units: []string{"ou-onelevel:" + hs}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got["dee@district.example.org"]; ok {
			t.Error("openldap flavor read userPrincipalName as an email")
		}
		if id := got["ann@district.example.org"].ExternalID; len(id) != 36 {
			t.Errorf("external id %q is not an entryUUID", id)
		}
	})
}

func TestTLS(t *testing.T) {
	ldaptest.Need(t)
	srv := district(t)
	hs := "ou-onelevel:ou=High," + ldaptest.PeopleDN
	sel := connectors.Selection{Units: []string{hs}}
	ldaps := testSettings(srv, srv.LDAPSURL)
	ldaps.Insecure, ldaps.CAFile = false, srv.CAFile
	starttls := testSettings(srv, srv.URL)
	starttls.Insecure, starttls.StartTLS, starttls.CAFile = false, true, srv.CAFile
	noCA := ldaps
	noCA.CAFile = ""
	wrongName := ldaps
	wrongName.ServerName = "dc1.elsewhere.example"
	cases := []struct {
		name string
		set  Settings
		want string // "" for success, else part of the error
	}{
		{"ldaps with the CA", ldaps, ""},
		{"starttls with the CA", starttls, ""},
		{"ldaps without the CA is refused", noCA, "certificate"},
		{"a certificate for another name is refused", wrongName, "certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, tc.set)
			got, err := fetchAll(t, c, sel)
			cerr := c.Check(context.Background())
			if tc.want == "" {
				if err != nil || cerr != nil {
					t.Fatalf("Fetch: %v; Check: %v", err, cerr)
				}
				if len(got) != 2 {
					t.Errorf("got %v", keys(got))
				}
				return
			}
			for _, e := range []error{err, cerr} {
				if e == nil || !strings.Contains(e.Error(), tc.want) {
					t.Errorf("error %v, want one mentioning %q", e, tc.want)
				}
			}
		})
	}
}

// The server going away part way through paging fails the read: no
// snapshot, so the planner removes nobody.
func TestServerGoneMidPaging(t *testing.T) {
	ldaptest.Need(t)
	srv := ldaptest.Start(t)
	r := connectortest.GenerateRoster(5, 120, 2)
	sel := loadRoster(t, srv, r)
	u, _ := url.Parse(srv.URL)
	proxy := ldaptest.NewProxy(t, u.Host)
	set := testSettings(srv, proxy.URL)
	set.PageSize = 10
	c := open(t, set)
	pages := 0
	err := c.Fetch(context.Background(), sel, func([]connectors.Person) error {
		if pages++; pages == 2 {
			proxy.Close()
		}
		return nil
	})
	if err == nil {
		t.Fatalf("Fetch returned nil after the server went away (%d pages)", pages)
	}
	if !strings.Contains(err.Error(), "district-ad") {
		t.Errorf("error %q does not name the connector", err)
	}
	t.Logf("error: %v", err)
}

func TestBadCredentialsKeepSecret(t *testing.T) {
	ldaptest.Need(t)
	srv := ldaptest.Start(t)
	set := testSettings(srv, srv.URL)
	set.BindPassword = "not-the-password-s3cr3t"
	var logs bytes.Buffer
	c, err := New(set.withDefaults(), connectors.OpenOptions{Name: "district-ad", Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))},
		WithClock(connectortest.NewClock()))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Check(context.Background())
	if !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), "Invalid Credentials") {
		t.Fatalf("Check = %v, want ErrCredentials with the server's words", err)
	}
	_, ferr := fetchAll(t, c, connectors.Selection{Units: []string{"ou:" + ldaptest.PeopleDN}})
	for _, s := range []string{err.Error(), ferr.Error(), logs.String()} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("the bind password leaked: %s", s)
		}
	}
}

func TestValidateSelection(t *testing.T) {
	ldaptest.Need(t)
	srv := district(t)
	c := open(t, testSettings(srv, srv.URL))
	err := c.ValidateSelection(context.Background(), connectors.Selection{Units: []string{
		"ou:ou=High," + ldaptest.PeopleDN, "group:cn=nobody," + ldaptest.GroupsDN}})
	if err == nil || !strings.Contains(err.Error(), `unit "group:cn=nobody,`) {
		t.Fatalf("ValidateSelection = %v, want an error naming the missing group", err)
	}
	if err := c.ValidateSelection(context.Background(), connectors.Selection{Units: []string{"ou:ou=High," + ldaptest.PeopleDN}}); err != nil {
		t.Fatal(err)
	}
}

func TestSettingsValidate(t *testing.T) {
	good := Settings{URL: "ldaps://dc1.district.org", BindDN: "CN=svc,DC=district,DC=org", BindPassword: "x", BaseDN: "DC=district,DC=org"}
	cases := []struct {
		name  string
		edit  func(*Settings)
		field string
	}{
		{"no url", func(s *Settings) { s.URL = "" }, "settings.url"},
		{"http url", func(s *Settings) { s.URL = "https://dc1" }, "settings.url"},
		{"plain ldap without TLS", func(s *Settings) { s.URL = "ldap://dc1" }, "in the clear"},
		{"starttls on ldaps", func(s *Settings) { s.StartTLS = true }, "settings.start_tls"},
		{"bad bind dn", func(s *Settings) { s.BindDN = "svc" }, "settings.bind_dn"},
		{"no password", func(s *Settings) { s.BindPassword = "" }, "settings.bind_password"},
		{"bad base dn", func(s *Settings) { s.BaseDN = "district" }, "settings.base_dn"},
		{"bad filter", func(s *Settings) { s.UserFilter = "(objectClass=user" }, "settings.user_filter"},
		{"bad flavor", func(s *Settings) { s.Flavor = "novell" }, "settings.flavor"},
		{"bad nested", func(s *Settings) { s.NestedGroups = "deep" }, "settings.nested_groups"},
		{"page size", func(s *Settings) { s.PageSize = 1_000_000 }, "settings.page_size"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.edit(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("Validate = %v, want it to name %s", err, tc.field)
			}
		})
	}
}

func TestUnitsParse(t *testing.T) {
	for _, u := range []string{"", "ou", "ou:", "ou:not a dn", "group:cn=x,,", "filter:(a=", "school:1"} {
		if _, err := parseUnits(connectors.Selection{Units: []string{u}}); err == nil || !strings.Contains(err.Error(), "unit") {
			t.Errorf("unit %q: err = %v", u, err)
		}
	}
	if _, err := parseUnits(connectors.Selection{}); err == nil {
		t.Error("no units accepted")
	}
}

func TestExampleDecodes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ad-ca.pem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	doc := "connectors:\n" + (&Settings{}).Example()
	env := func(k string) (string, bool) { return "pw", k == "LDAP_BIND_PASSWORD" }
	cfg, err := config.Parse([]byte(doc), filepath.Join(dir, "rollcall.yaml"), env)
	if err != nil {
		t.Fatalf("example does not parse: %v\n%s", err, doc)
	}
	var set Settings
	if err := config.DecodeStrictAt(&cfg.Connectors[0].Settings, cfg.File, "connectors[0].settings", &set); err != nil {
		t.Fatal(err)
	}
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	if set.BindPassword.Value() != "pw" || set.Attributes.ExternalID != "objectGUID" {
		t.Errorf("decoded %+v", set)
	}
}
