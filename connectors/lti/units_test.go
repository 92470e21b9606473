package lti

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
	"github.com/rollcall-sync/rollcall/license"
)

func TestShortRole(t *testing.T) {
	cases := map[string]string{
		"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner": "Learner",
		"Learner": "Learner",
		"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor":                   "Instructor",
		"http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant": "TeachingAssistant",
		"Instructor#TeachingAssistant":                                                   "TeachingAssistant",
		"http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor":                       "Mentor",
		"urn:lti:role:ims/lis/Learner":                                                   "Learner",
		"http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student":              "",
		"http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator":             "",
		" Instructor ": "Instructor",
	}
	for in, want := range cases {
		if got := shortRole(in); got != want {
			t.Errorf("shortRole(%q) = %q, want %q", in, got, want)
		}
	}
}

// Members' roles: the strongest mapped role wins; Mentors, content
// developers and institution roles alone are not members, unless the
// selection maps them.
func TestMemberRole(t *testing.T) {
	c := &Connector{name: "t"}
	defaults, _ := c.roleMap(connectors.Selection{})
	mapped, _ := c.roleMap(connectors.Selection{Roles: map[string]license.Role{
		"http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor": license.RoleOther, "TeachingAssistant": license.RoleOther}})
	cases := []struct {
		roles []string
		m     map[string]license.Role
		want  license.Role
		ok    bool
	}{
		{[]string{fake.RoleLearner}, defaults, license.RoleStudent, true},
		{[]string{"Learner", fake.RoleInstStudent}, defaults, license.RoleStudent, true},
		{[]string{fake.RoleLearner, fake.RoleTA}, defaults, license.RoleTeacher, true},
		{[]string{"Instructor"}, defaults, license.RoleTeacher, true},
		{[]string{fake.RoleMentor}, defaults, "", false},
		{[]string{fake.RoleContentDev}, defaults, "", false},
		{[]string{fake.RoleInstFaculty}, defaults, "", false},
		{nil, defaults, "", false},
		{[]string{fake.RoleMentor}, mapped, license.RoleOther, true},
		{[]string{fake.RoleTA}, mapped, license.RoleOther, true},
	}
	for _, tc := range cases {
		got, ok := memberRole(&member{Roles: tc.roles}, tc.m)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%v: %q %v, want %q %v", tc.roles, got, ok, tc.want, tc.ok)
		}
	}
	for _, s := range []struct {
		status string
		want   bool
	}{{"", true}, {"Active", true}, {"active", true}, {"Inactive", false}, {"Deleted", false}} {
		if got := active(&member{Status: s.status}); got != s.want {
			t.Errorf("active(%q) = %v", s.status, got)
		}
	}
}

func TestNextLink(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{[]string{`<https://lms.example.org/nrps?page=2>; rel="next"`}, "https://lms.example.org/nrps?page=2"},
		{[]string{`<https://a/x?p=1>; rel="prev", <https://a/x?p=3>; rel="next"`}, "https://a/x?p=3"},
		{[]string{`<https://a/x?p=1>; rel=first`, `<https://a/x?p=2,3>; REL=NEXT`}, "https://a/x?p=2,3"},
		{[]string{`<https://a/x?since=1>; rel="differences"`}, ""},
		{[]string{`<https://a/x?p=9>; rel="last next"`}, "https://a/x?p=9"},
		{nil, ""},
		{[]string{`garbage`}, ""},
	}
	for _, tc := range cases {
		if got := nextLink(tc.in); got != tc.want {
			t.Errorf("nextLink(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzNextLink: any header either yields a target that appears in it, or
// nothing; never a panic.
func FuzzNextLink(f *testing.F) {
	for _, s := range []string{`<https://a/b>; rel="next"`, `<x>;rel=next,<y>;rel=prev`, `<`, `>; rel=next`, `<a>; rel="`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := nextLink([]string{s}); got != "" && !strings.Contains(s, got) {
			t.Fatalf("nextLink(%q) = %q, not in the header", s, got)
		}
	})
}

// The client assertion: RS256 with the tool's kid, iss = sub = client id,
// aud the token URL, a short exp, a fresh jti every time.
func TestClientAssertion(t *testing.T) {
	path, err := testKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	seen := map[string]bool{}
	for range 3 {
		raw, err := clientAssertion(key, "cid", "https://lms.example.org/token", now)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		if tok.Headers[0].KeyID != key.ID || tok.Headers[0].Algorithm != "RS256" {
			t.Fatalf("header %+v", tok.Headers[0])
		}
		var c jwt.Claims
		if err := tok.Claims(&key.Private.PublicKey, &c); err != nil {
			t.Fatal(err)
		}
		if c.Issuer != "cid" || c.Subject != "cid" || len(c.Audience) != 1 || c.Audience[0] != "https://lms.example.org/token" {
			t.Fatalf("claims %+v", c)
		}
		if ttl := c.Expiry.Time().Sub(c.IssuedAt.Time()); ttl <= 0 || ttl > 5*time.Minute {
			t.Fatalf("lifetime %s", ttl)
		}
		if c.ID == "" || seen[c.ID] {
			t.Fatalf("jti %q repeated or empty", c.ID)
		}
		seen[c.ID] = true
	}
}

// The fake platform refuses an assertion whose jti it has seen, and one
// aimed at another audience, as the security framework asks.
func TestTokenEndpointRefusesReplay(t *testing.T) {
	e := newEnv(t, nil, "replay", nil, nil, nil)
	raw, err := clientAssertion(e.conn.key, testClientID, e.platform.TokenURL(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	post := func(assertion string) int {
		resp, err := e.platform.Client().PostForm(e.platform.TokenURL(), url.Values{"grant_type": {"client_credentials"},
			"client_assertion_type": {assertionType}, "client_assertion": {assertion}, "scope": {ScopeNRPS}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(raw); code != http.StatusOK {
		t.Fatalf("first use: %d", code)
	}
	if code := post(raw); code != http.StatusUnauthorized {
		t.Fatalf("replayed assertion: %d, want 401", code)
	}
	other, _ := clientAssertion(e.conn.key, testClientID, "https://elsewhere.example.org/token", time.Now())
	if code := post(other); code != http.StatusUnauthorized {
		t.Fatalf("assertion for another audience: %d, want 401", code)
	}
	// The connector gets tokens with fresh assertions each time.
	for range 2 {
		if err := e.conn.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.pem")
	k, err := GenerateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	if _, err := GenerateKeyFile(path); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second GenerateKeyFile = %v, want ErrKeyExists", err)
	}
	l, err := LoadKeyFile(path)
	if err != nil || l.ID != k.ID {
		t.Fatalf("LoadKeyFile = %v, %v; want kid %s", l, err, k.ID)
	}
	pub := l.Public()
	if !pub.IsPublic() || pub.KeyID != k.ID || pub.Algorithm != "RS256" {
		t.Fatalf("public JWK %+v", pub)
	}
	for name, content := range map[string]string{"empty.pem": "", "cert.pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(content), 0o600)
		if _, err := LoadKeyFile(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("LoadKeyFile(%s) = %v: want an error naming the file", name, err)
		}
	}
}

func TestDeploymentName(t *testing.T) {
	cases := []struct{ conn, ctx string }{
		{"lms", "c-501"}, {"lms", "C-501"}, {"lms", "c 501"}, {"lms", "ab/cd"}, {"lms", strings.Repeat("x", 80)},
		{"lms", "4dde05e8ca1973bcca9bffc13e1548820eee93a3"},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		n := DeploymentName(tc.conn, tc.ctx)
		d := connectors.Deployment{Name: n, Connector: tc.conn, License: "hs"}
		if err := d.Validate(); err != nil {
			t.Errorf("DeploymentName(%q) = %q: %v", tc.ctx, n, err)
		}
		if other, dup := seen[n]; dup {
			t.Errorf("%q and %q share the name %q", other, tc.ctx, n)
		}
		seen[n] = tc.ctx
	}
	if DeploymentName("lms", "c-501") != "lms-ctx-c-501" {
		t.Errorf("a safe id should be kept as is: %q", DeploymentName("lms", "c-501"))
	}
}

// The contexts file survives a reopen and is private.
func TestContextsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctx.json")
	c, err := openContexts(path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.remember(Context{ID: "c1", MembershipsURL: "https://lms/x", FirstLaunch: time.Unix(100, 0)})
	if err != nil || !first {
		t.Fatalf("remember = %v, %v", first, err)
	}
	if first, _ := c.remember(Context{ID: "c1", FirstLaunch: time.Unix(200, 0)}); first {
		t.Fatal("second launch reported as first")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	again, err := openContexts(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := again.lookup("c1")
	if !ok || got.MembershipsURL != "https://lms/x" || !got.FirstLaunch.Equal(time.Unix(100, 0)) {
		t.Fatalf("after reopen %+v", got)
	}
	_ = os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := openContexts(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("a broken file: %v", err)
	}
}

// Units: memberships:<url> and context:<id>, the latter only once launched.
func TestUnits(t *testing.T) {
	e := newEnv(t, nil, "units", nil, nil, nil)
	cases := []struct {
		unit string
		is   error
	}{
		{"course:1", ErrBadUnit},
		{"memberships:/relative", ErrBadUnit},
		{"context:", ErrBadUnit},
		{"context:never-launched", ErrUnknownContext},
	}
	for _, tc := range cases {
		err := e.conn.ValidateSelection(context.Background(), connectors.Selection{Units: []string{tc.unit}})
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), `"units"`) {
			t.Errorf("%s: %v, want %v naming the connector", tc.unit, err, tc.is)
		}
	}
}

// The documented example is a valid connector entry: it parses through
// the config package and opens, its key file beside the config.
func TestExampleDecodes(t *testing.T) {
	dir := t.TempDir()
	keyFile(t, dir)
	if err := os.Rename(filepath.Join(dir, "tool.pem"), filepath.Join(dir, "lti-key.pem")); err != nil {
		t.Fatal(err)
	}
	var s Settings
	cfg, err := config.Parse([]byte("connectors:\n"+s.Example()), filepath.Join(dir, "rollcall.yaml"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("example does not parse: %v", err)
	}
	conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatalf("example does not open: %v", err)
	}
	c, ok := conns["canvas-lti"].(*Connector)
	if !ok || c.AutoEnrolLicense() != "k3f9a2b7qx" || len(c.DeploymentIDs()) != 1 {
		t.Fatalf("opened %+v", conns)
	}
	for _, key := range []string{"issuer", "client_id", "deployment_ids", "auth_login_url", "token_url", "jwks_url", "private_key_file", "auto_enrol_license", "token_audience", "contexts_file", "page_size"} {
		if !strings.Contains(s.Example(), key+":") {
			t.Errorf("example does not document %s", key)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Settings{Issuer: "https://lms", ClientID: "c", DeploymentIDs: []string{"d"}, AuthLoginURL: "https://lms/a",
		TokenURL: "https://lms/t", JWKSURL: "https://lms/j", PrivateKeyFile: "k.pem"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		edit  func(*Settings)
		field string
	}{
		{func(s *Settings) { s.Issuer = "" }, "settings.issuer"},
		{func(s *Settings) { s.ClientID = "" }, "settings.client_id"},
		{func(s *Settings) { s.DeploymentIDs = nil }, "settings.deployment_ids"},
		{func(s *Settings) { s.DeploymentIDs = []string{" "} }, "settings.deployment_ids[0]"},
		{func(s *Settings) { s.TokenURL = "lms/token" }, "settings.token_url"},
		{func(s *Settings) { s.JWKSURL = "" }, "settings.jwks_url"},
		{func(s *Settings) { s.PrivateKeyFile = "" }, "settings.private_key_file"},
		{func(s *Settings) { s.PageSize = -1 }, "settings.page_size"},
	}
	for _, tc := range cases {
		s := good
		tc.edit(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("want an error naming %s, got %v", tc.field, err)
		}
	}
}

// An access token the platform no longer takes (ended early) is renewed
// once with a fresh assertion, and the read goes on.
func TestExpiredTokenRenewed(t *testing.T) {
	p := fake.New(fake.Options{Courses: []fake.Course{{ID: "c1", Title: "C", Members: []fake.Member{
		{UserID: "u1", Given: "A", Family: "B", Email: "a.b@district.example.org", Roles: []string{"Learner"}}}}}, Fidelity: true})
	t.Cleanup(func() { p.Close(); p.Fidelity().Check(t) })
	dir := t.TempDir()
	c, err := New(Settings{Issuer: p.Issuer(), ClientID: testClientID, DeploymentIDs: []string{"d"}, AuthLoginURL: p.AuthURL(),
		TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(), PrivateKeyFile: keyFile(t, dir)}, connectors.OpenOptions{Name: "renew", HTTPClient: p.Client()})
	if err != nil {
		t.Fatal(err)
	}
	p.RegisterTool(fake.Tool{ClientID: testClientID, Keys: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{c.Key().Public()}}})
	sel := connectors.Selection{Units: []string{"memberships:" + p.MembershipsURL("c1")}}
	if got := fetchAll(t, c, sel); len(got) != 1 {
		t.Fatalf("first read: %v", got)
	}
	p.ExpireTokens()
	if got := fetchAll(t, c, sel); len(got) != 1 {
		t.Fatalf("read after the token expired: %v", got)
	}
	if n := p.Counts().Tokens; n != 2 {
		t.Fatalf("%d tokens issued, want 2 (one renewal)", n)
	}
}

// Logins waiting for their launch are bounded: past maxLogins a login
// is refused (503) instead of growing the table.
func TestLoginsBounded(t *testing.T) {
	e := newEnv(t, nil, "bounded", nil, nil, nil)
	tool := NewTool(ToolOptions{Connectors: []*Connector{e.conn}})
	form := url.Values{"iss": {e.platform.Issuer()}, "login_hint": {"u"}, "target_link_uri": {"https://tool/lti/launch"}}
	codes := map[int]int{}
	for range maxLogins + 3 {
		req := httptest.NewRequest(http.MethodPost, PathLogin, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		tool.ServeHTTP(rec, req)
		codes[rec.Code]++
	}
	if codes[http.StatusFound] != maxLogins || codes[http.StatusServiceUnavailable] != 3 {
		t.Fatalf("answers %v, want %d redirects then 503s", codes, maxLogins)
	}
}
