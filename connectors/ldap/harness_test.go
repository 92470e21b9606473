package ldap

import (
	"crypto/sha256"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/ldap/ldaptest"
	"github.com/rollcall-sync/rollcall/license"
)

// guidFor is the objectGUID a roster person is given: stable, so the
// suite can map roster ids to what the connector reports.
func guidFor(id string) []byte {
	h := sha256.Sum256([]byte("guid:" + id))
	return h[:16]
}

// loadRoster writes a roster into the directory the way a district's AD
// holds one: people as user objects in ou=people (disabled accounts for
// inactive and suspended people, none for deleted ones), and each unit as
// two security groups, its teachers and its students.
func loadRoster(t testing.TB, srv *ldaptest.Server, r connectortest.Roster) connectors.Selection {
	t.Helper()
	var users []ldaptest.User
	members := map[string][]string{}
	for i := range r.People {
		p := &r.People[i]
		if p.Status == connectortest.StatusDeleted {
			continue
		}
		u := ldaptest.User{CN: "p" + p.ID, Given: p.Given, Family: p.Family, DisplayName: p.Name(), Mail: p.Email, Disabled: p.Status != connectortest.StatusActive, GUID: guidFor(p.ID)}
		users = append(users, u)
		for _, m := range p.Units {
			g := groupCN(m.Unit, m.Role)
			members[g] = append(members[g], u.DN())
		}
	}
	srv.AddUsers(t, users...)
	sel := connectors.Selection{Roles: map[string]license.Role{}}
	for _, u := range r.Units {
		for _, role := range []license.Role{license.RoleTeacher, license.RoleStudent} {
			cn := groupCN(u.ID, role)
			dn := srv.AddGroup(t, cn, members[cn]...)
			sel.Units = append(sel.Units, "group:"+dn)
			sel.Roles["group:"+dn] = role
		}
	}
	return sel
}

func groupCN(unit string, role license.Role) string {
	if role == license.RoleTeacher {
		return "unit-" + unit + "-teachers"
	}
	return "unit-" + unit + "-students"
}

// faults maps the suite's vendor-neutral faults onto a real slapd behind
// the fault proxy.
type faults struct {
	srv   *ldaptest.Server
	proxy *ldaptest.Proxy
	t     testing.TB
}

// RateLimit answers busy (51), which AD sends when a query policy limit
// is hit; LDAP carries no wait, so the connector's backoff decides.
func (f *faults) RateLimit(n int) time.Duration { f.proxy.Busy(n); return 0 }
func (f *faults) ServerErrors(n int)            { f.proxy.Unavailable(n) }
func (f *faults) FailOnPage(n int, retryable bool) {
	code := ldaptest.ResultUnwillingToPerform
	if retryable {
		code = ldaptest.ResultUnavailable
	}
	f.proxy.FailOnPage(n, code)
}
func (f *faults) BadCredentials() string {
	if err := f.srv.SetServicePassword("changed-by-the-test"); err != nil {
		f.t.Fatal(err)
	}
	return "Invalid Credentials"
}
func (f *faults) SlowPages(d time.Duration) { f.proxy.Slow(d) }
func (f *faults) Empty() {
	c := f.srv.Admin(f.t)
	res, err := c.Search(ldap.NewSearchRequest(ldaptest.PeopleDN, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=user)", []string{"1.1"}, nil))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range res.Entries {
		f.srv.Delete(f.t, e.DN)
	}
}

// testSettings are AD's defaults but for the user filter: AD expands
// objectCategory=person to the category's DN itself, which slapd does not.
func testSettings(srv *ldaptest.Server, url string) Settings {
	return Settings{URL: url, Insecure: true, BindDN: ldaptest.ServiceDN, BindPassword: config.Secret(srv.ServicePwd),
		BaseDN: ldaptest.Suffix, Flavor: FlavorActiveDirectory, UserFilter: "(objectClass=user)"}
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Name: "ldap",
		Setup: func(t *testing.T, env connectortest.Env) connectortest.Instance {
			srv := ldaptest.Start(t)
			sel := loadRoster(t, srv, env.Roster)
			u, _ := url.Parse(srv.URL)
			proxy := ldaptest.NewProxy(t, u.Host)
			set := testSettings(srv, proxy.URL)
			set.PageSize = env.PageSize
			if err := set.Validate(); err != nil {
				t.Fatal(err)
			}
			set = set.withDefaults()
			c, err := New(set, connectors.OpenOptions{Name: env.Name, Logger: slog.New(slog.DiscardHandler), Upstream: env.Upstream},
				WithClock(env.Clock))
			if err != nil {
				t.Fatal(err)
			}
			return connectortest.Instance{
				Connector: c, Selection: sel, Faults: &faults{srv: srv, proxy: proxy, t: t},
				Requests: proxy.Searches, MaxAttempts: set.Retry.MaxAttempts,
				ExternalID: func(id string) string { return guidString(guidFor(id)) },
			}
		},
	})
}
