package lti

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// launchEnv is a fake platform, Rollcall's tool endpoints registered with
// it (its JWKS fetched by URL, as a real platform does), and the real
// engine over a bbolt store behind the tool.
type launchEnv struct {
	platform *fake.Platform
	tool     *httptest.Server
	conn     *Connector
	engine   *engine.Engine
	store    *bolt.Store
	courses  []fake.Course
	client   *http.Client
}

const ltiConnector = "district-lms"

func newLaunchEnv(t *testing.T, autoEnrol string) *launchEnv {
	t.Helper()
	ctx := context.Background()
	r := connectortest.GenerateRoster(77, 160, 4)
	cs := courses(r)
	p := fake.New(fake.Options{Courses: cs, Fidelity: true})
	t.Cleanup(func() { p.Close(); p.Fidelity().Check(t) })
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	state, err := syncstate.Open(filepath.Join(dir, "syncstate.db"), syncstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { state.Close() })
	if _, err := store.CreateLicense(ctx, license.License{ID: "hs", Name: "High School", Type: license.TypeSchool, Seats: 5000}); err != nil {
		t.Fatal(err)
	}
	conn, err := New(Settings{Issuer: p.Issuer(), ClientID: testClientID, DeploymentIDs: []string{"dep-1"}, AuthLoginURL: p.AuthURL(),
		TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(), PrivateKeyFile: keyFile(t, dir), AutoEnrolLicense: autoEnrol},
		connectors.OpenOptions{Name: ltiConnector, HTTPClient: p.Client()})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Store: store, State: state, Connectors: map[string]connectors.Connector{ltiConnector: conn},
		ConnectorTypes: map[string]string{ltiConnector: Type}})
	if err != nil {
		t.Fatal(err)
	}
	tool := httptest.NewServer(NewTool(ToolOptions{Connectors: []*Connector{conn}, Launcher: EngineLauncher{Engine: eng}, HTTPClient: p.Client()}))
	t.Cleanup(tool.Close)
	p.RegisterTool(fake.Tool{ClientID: testClientID, DeploymentID: "dep-1", LoginURL: tool.URL + PathLogin,
		RedirectURIs: []string{tool.URL + PathLaunch}, JWKSURL: tool.URL + PathJWKS})
	return &launchEnv{platform: p, tool: tool, conn: conn, engine: eng, store: store, courses: cs, client: tool.Client()}
}

// instructor is a teacher of course i with an email.
func (e *launchEnv) instructor(t *testing.T, i int) string {
	for _, m := range e.courses[i].Members {
		if slices.Contains(m.Roles, fake.RoleInstructor) && (m.Status == "" || m.Status == "Active") {
			return m.UserID
		}
	}
	t.Fatalf("course %s has no active instructor", e.courses[i].ID)
	return ""
}

// post sends the platform's form to the tool, as the browser would.
func (e *launchEnv) post(t *testing.T, f fake.LaunchForm) (int, string) {
	t.Helper()
	resp, err := e.client.PostForm(f.Action, f.Values())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b))
}

func (e *launchEnv) login(t *testing.T, course int, user string) fake.LaunchForm {
	t.Helper()
	f, err := e.platform.Login(context.Background(), e.client, e.courses[course].ID, user, testClientID)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// wantMembers is who enrolling course c must add, from the platform's own
// records: active members with an email whose roles include Learner,
// Instructor or a TA, teachers over students.
func wantMembers(c fake.Course) map[string]string {
	out := map[string]string{}
	for _, m := range c.Members {
		if m.Email == "" || (m.Status != "" && m.Status != "Active") {
			continue
		}
		email := strings.ToLower(m.Email)
		for _, r := range m.Roles {
			switch r {
			case fake.RoleInstructor, "Instructor", fake.RoleTA:
				out[email] = "teacher"
			case fake.RoleLearner, "Learner":
				if out[email] == "" {
					out[email] = "student"
				}
			}
		}
	}
	return out
}

func (e *launchEnv) members(t *testing.T) map[string]license.Member {
	t.Helper()
	out := map[string]license.Member{}
	opts := license.ListOptions{Limit: 1000}
	for {
		p, err := e.store.ListMembers(context.Background(), "hs", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Members {
			out[m.Email] = m
		}
		if p.Next == "" {
			return out
		}
		opts.Cursor = p.Next
	}
}

// A launch into a course with auto-enrol on creates the course's
// deployment, and its first sync puts the course's people on the
// license; a second course launches after the platform rotated its key.
// Posting the same launch again is refused and changes nothing.
func TestLaunchEnrolsCourse(t *testing.T) {
	e := newLaunchEnv(t, "hs")
	ctx := context.Background()
	form := e.login(t, 0, e.instructor(t, 0))
	code, body := e.post(t, form)
	if code != 200 || !strings.Contains(body, "now enrolled on license hs") {
		t.Fatalf("launch: %d %s", code, body)
	}
	name := DeploymentName(ltiConnector, e.courses[0].ID)
	d, err := e.engine.Deployment(ctx, name)
	if err != nil || !slices.Equal(d.Selection.Units, []string{"context:" + e.courses[0].ID}) || d.License != "hs" || !d.RunTime {
		t.Fatalf("deployment %s = %+v, %v", name, d, err)
	}
	want := wantMembers(e.courses[0])
	got := e.members(t)
	if len(got) != len(want) || len(want) < 5 {
		t.Fatalf("%d members, want %d", len(got), len(want))
	}
	for email, role := range want {
		if m, ok := got[email]; !ok || string(m.Role) != role || m.Claim(d.Source()) == nil {
			t.Fatalf("%s = %+v, want a %s claimed by %s", email, m, role, d.Source())
		}
	}
	if c, ok := e.conn.Context(e.courses[0].ID); !ok || c.MembershipsURL != e.platform.MembershipsURL(e.courses[0].ID) || c.Title != e.courses[0].Title {
		t.Fatalf("recorded context %+v", c)
	}

	// The same post again: refused, nothing new.
	if code, body := e.post(t, form); code != http.StatusUnauthorized || !strings.Contains(body, "already used state") {
		t.Fatalf("replayed post: %d %s", code, body)
	}

	// Key rotation: the next launch is signed with a kid the tool has not
	// seen; it fetches the JWKS again and accepts it.
	e.platform.Rotate()
	form = e.login(t, 1, e.instructor(t, 1))
	if code, body := e.post(t, form); code != 200 || !strings.Contains(body, "now enrolled") {
		t.Fatalf("launch after rotation: %d %s", code, body)
	}
	// A second launch in a course already enrolled keeps its deployment.
	form = e.login(t, 1, e.instructor(t, 1))
	if code, body := e.post(t, form); code != 200 || !strings.Contains(body, "is enrolled on license hs") {
		t.Fatalf("second launch: %d %s", code, body)
	}
	deps, err := e.engine.Deployments(ctx)
	if err != nil || len(deps) != 2 {
		t.Fatalf("deployments %v, %v; want 2", deps, err)
	}
}

// With auto-enrol off a launch records the course and creates nothing.
func TestLaunchRecordsWithoutAutoEnrol(t *testing.T) {
	e := newLaunchEnv(t, "")
	code, body := e.post(t, e.login(t, 2, e.instructor(t, 2)))
	if code != 200 || !strings.Contains(body, "auto-enrol is off") {
		t.Fatalf("launch: %d %s", code, body)
	}
	if deps, _ := e.engine.Deployments(context.Background()); len(deps) != 0 {
		t.Fatalf("deployments %v", deps)
	}
	if _, ok := e.conn.Context(e.courses[2].ID); !ok {
		t.Fatal("the course was not recorded")
	}
	// The recorded course can now be read as unit context:<id>.
	snap := fetchAll(t, e.conn, connectors.Selection{Units: []string{"context:" + e.courses[2].ID}})
	if len(snap) != len(wantMembers(e.courses[2])) {
		t.Fatalf("context unit read %d members, want %d", len(snap), len(wantMembers(e.courses[2])))
	}
}

func fetchAll(t *testing.T, c *Connector, sel connectors.Selection) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
		for _, p := range page {
			if p.Email != "" {
				out[strings.ToLower(p.Email)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Refused launches: a clear message, the right status, and nothing
// changed (no deployment, no member, no course recorded).
func TestLaunchRefusals(t *testing.T) {
	e := newLaunchEnv(t, "hs")
	ctxFile := filepath.Join(filepath.Dir(e.conn.s.PrivateKeyFile), ltiConnector+"-contexts.json")
	cases := []struct {
		name   string
		launch func(t *testing.T) fake.LaunchForm
		code   int
		say    string
	}{
		{"bad signature", func(t *testing.T) fake.LaunchForm {
			e.platform.TamperNext(fake.Tamper{RogueKey: true})
			return e.login(t, 0, e.instructor(t, 0))
		}, http.StatusUnauthorized, "signature does not verify"},
		{"wrong audience", func(t *testing.T) fake.LaunchForm {
			e.platform.TamperNext(fake.Tamper{Claims: func(c map[string]any) { c["aud"] = []string{"another-tool"}; c["azp"] = "another-tool" }})
			return e.login(t, 0, e.instructor(t, 0))
		}, http.StatusUnauthorized, "not Rollcall's client id"},
		{"second audience without azp", func(t *testing.T) fake.LaunchForm {
			e.platform.TamperNext(fake.Tamper{Claims: func(c map[string]any) { c["aud"] = []string{testClientID, "another-tool"}; delete(c, "azp") }})
			return e.login(t, 0, e.instructor(t, 0))
		}, http.StatusUnauthorized, "no azp"},
		{"unknown deployment id", func(t *testing.T) fake.LaunchForm {
			e.platform.TamperNext(fake.Tamper{Claims: func(c map[string]any) { c[fake.ClaimDeploymentID] = "dep-unknown" }})
			return e.login(t, 0, e.instructor(t, 0))
		}, http.StatusForbidden, `deployment id "dep-unknown" is not registered`},
		{"replayed nonce", func(t *testing.T) fake.LaunchForm {
			first := e.login(t, 0, e.instructor(t, 0))
			second := e.login(t, 0, e.instructor(t, 0))
			return fake.LaunchForm{Action: second.Action, IDToken: first.IDToken, State: second.State}
		}, http.StatusUnauthorized, "nonce is not the one this login issued"},
		{"expired", func(t *testing.T) fake.LaunchForm {
			e.platform.TamperNext(fake.Tamper{Claims: func(c map[string]any) {
				c["exp"] = time.Now().Add(-time.Hour).Unix()
				c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			}})
			return e.login(t, 0, e.instructor(t, 0))
		}, http.StatusUnauthorized, "expired"},
		{"other issuer", func(t *testing.T) fake.LaunchForm {
			e.platform.TamperNext(fake.Tamper{Claims: func(c map[string]any) { c["iss"] = "https://evil.example.org" }})
			return e.login(t, 0, e.instructor(t, 0))
		}, http.StatusUnauthorized, "issuer"},
		{"deep linking", func(t *testing.T) fake.LaunchForm {
			e.platform.TamperNext(fake.Tamper{Claims: func(c map[string]any) { c[fake.ClaimMessageType] = "LtiDeepLinkingRequest" }})
			return e.login(t, 0, e.instructor(t, 0))
		}, http.StatusBadRequest, "not supported"},
		{"no state", func(t *testing.T) fake.LaunchForm {
			f := e.login(t, 0, e.instructor(t, 0))
			f.State = ""
			return f
		}, http.StatusUnauthorized, "state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(ctxFile)
			code, body := e.post(t, tc.launch(t))
			if code != tc.code || !strings.Contains(body, "Launch refused") || !strings.Contains(body, tc.say) {
				t.Fatalf("%d %s; want %d saying %q", code, body, tc.code, tc.say)
			}
			if deps, _ := e.engine.Deployments(context.Background()); len(deps) != 0 {
				t.Fatalf("a refused launch created %v", deps)
			}
			if n := len(e.members(t)); n != 0 {
				t.Fatalf("a refused launch added %d members", n)
			}
			after, _ := os.ReadFile(ctxFile)
			if !bytes.Equal(before, after) {
				t.Fatalf("a refused launch recorded a course: %s", after)
			}
		})
	}
}

// Login initiation refuses what it cannot serve, before the platform is
// asked anything.
func TestLoginRefusals(t *testing.T) {
	e := newLaunchEnv(t, "hs")
	client := *e.client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cases := []struct {
		name string
		form url.Values
		code int
		say  string
	}{
		{"unknown issuer", url.Values{"iss": {"https://other.example.org"}, "login_hint": {"u"}, "target_link_uri": {e.tool.URL}}, 400, "No platform with issuer"},
		{"unknown deployment", url.Values{"iss": {e.platform.Issuer()}, "login_hint": {"u"}, "target_link_uri": {e.tool.URL}, "lti_deployment_id": {"nope"}}, 403, "Deployment id nope"},
		{"no login hint", url.Values{"iss": {e.platform.Issuer()}, "target_link_uri": {e.tool.URL}}, 400, "login_hint"},
	}
	for _, tc := range cases {
		resp, err := client.PostForm(e.tool.URL+PathLogin, tc.form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(b), tc.say) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	// The tool's JWKS lists its key, which platforms check assertions with.
	resp, err := e.client.Get(e.tool.URL + PathJWKS)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), e.conn.Key().ID) || strings.Contains(string(b), `"d"`) {
		t.Fatalf("tool JWKS %s: want the public key by kid, never the private parts", b)
	}
}
