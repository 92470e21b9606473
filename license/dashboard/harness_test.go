package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// epoch is the tests' "now": licenses are created days before it.
var epoch = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

func day(n int) time.Time { return epoch.AddDate(0, 0, n) }

// env is a dashboard over real bolt stores, served by httptest, with a
// token per kind of person.
type env struct {
	t      *testing.T
	store  *bolt.Store
	auth   *auth.Store
	syncs  *testSyncs
	srv    *httptest.Server
	logs   *bytes.Buffer
	tokens map[string]string // who → API token
}

// People of every test: an operator, the admins of two licenses, a domain
// admin of district.org (license "dist" is deployed to it) and an application.
const (
	licA = "lic-a"
	licB = "lic-b"
	licD = "dist"
)

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	clock := func() time.Time { return epoch }
	st, err := bolt.Open(filepath.Join(dir, "license.db"), bolt.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	as, err := auth.Open(filepath.Join(dir, "auth.db"), auth.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { as.Close() })
	e := &env{t: t, store: st, auth: as, logs: &bytes.Buffer{}, tokens: map[string]string{}}
	e.syncs = newTestSyncs(st)
	ctx := context.Background()
	for _, l := range []license.License{
		{ID: licA, Name: "Algebra Quest", Type: license.TypeSchool, Seats: 100, Created: day(-30), Expires: day(200), Admins: []string{"ann@school.org"}},
		{ID: licB, Name: "Biology Lab", Type: license.TypeTeacher, Seats: 10, Created: day(-30), Admins: []string{"bob@school.org"}},
		{ID: licD, Name: "District Reader", Type: license.TypeDistrict, Seats: 1000, Created: day(-30), Domains: []string{"district.org"}, Admins: []string{"ann@school.org"}},
	} {
		_, k := license.NewKey(l.Created)
		l.Key = k
		if _, err := st.CreateLicense(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetDomainAdmin(ctx, "district.org", "dora@district.org", true); err != nil {
		t.Fatal(err)
	}
	for who, p := range map[string]struct {
		email string
		role  auth.Role
	}{
		"operator": {"op@rollcall.example", auth.RoleOperator},
		"ann":      {"ann@school.org", auth.RoleAdmin},
		"bob":      {"bob@school.org", auth.RoleAdmin},
		"dora":     {"dora@district.org", auth.RoleAdmin},
		"app":      {"app@vendor.example", auth.RoleApplication},
	} {
		tok, _, err := as.CreateToken(ctx, p.email, p.role, 0, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[who] = tok
	}
	h, err := New(Options{Store: st, Auth: as, Syncs: e.syncs, Now: clock,
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// client is one browser: it keeps its cookies and does not follow
// redirects, so tests see every 303.
type client struct {
	e       *env
	cookies map[string]*http.Cookie
	bearer  string // an API token sent as Authorization: Bearer
}

func (e *env) anon() *client { return &client{e: e, cookies: map[string]*http.Cookie{}} }

// as signs in with who's token through the sign-in form.
func (e *env) as(who string) *client {
	e.t.Helper()
	c := e.anon()
	res := c.post("/signin", url.Values{"token": {e.tokens[who]}, "next": {"/licenses"}})
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d: %s", who, res.status, res.body)
	}
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form as a same-origin browser would.
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.e.srv.URL)
	return c.do(req)
}

// upload posts a multipart form with one file.
func (c *client) upload(path, field, name, content string, form url.Values) response {
	c.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		c.e.t.Fatal(err)
	}
	_, _ = io.WriteString(fw, content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// follow GETs where a 303 points, carrying the flash cookie.
func (c *client) follow(r response) response {
	c.e.t.Helper()
	if r.status != http.StatusSeeOther {
		c.e.t.Fatalf("status %d, want a 303 redirect: %s", r.status, r.body)
	}
	return c.get(r.header.Get("Location"))
}

// seed puts members on a license, by hand, each added on its own day.
func (e *env) seed(id string, members ...license.Change) {
	e.t.Helper()
	for i := range members {
		if members[i].Op == 0 {
			members[i].Op = license.OpUpsert
		}
		if members[i].Source == "" {
			members[i].Source = license.SourceManual
		}
	}
	if _, err := e.store.Apply(context.Background(), id, members, license.ApplyOptions{Actor: "seed", Now: day(-10)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) used(id string) int {
	e.t.Helper()
	l, err := e.store.GetLicense(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return l.Used
}

func (e *env) eventCount(id string) int {
	e.t.Helper()
	evs, err := e.store.Events(context.Background(), id, license.EventQuery{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(evs)
}

var emailCell = regexp.MustCompile(`<td class="email">([^<]+)</td>`)

// emails lists the members table's emails, in page order.
func emails(body string) []string {
	var out []string
	for _, m := range emailCell.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var nextLink = regexp.MustCompile(`<a class="button small" href="([^"]+)" rel="next">`)

// pagerLink finds a pager link by its rel (first, prev, next, last).
func pagerLink(body, rel string) string {
	m := regexp.MustCompile(`<a class="button small" href="([^"]+)" rel="` + rel + `">`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return unescape(m[1])
}

func unescape(s string) string { return html.UnescapeString(s) }

// testSyncs is a small license.Syncs over the real store: deployments and
// runs in memory, held plans whose approval applies their removals, and a
// directory of org units whose deployment claims its people.
type testSyncs struct {
	store license.Store
	mu    sync.Mutex
	deps  []license.DeploymentView
	runs  map[string][]license.RunView
	plans map[string]*heldPlan
	ous   map[string][]license.PlanChange // OU path → people
	admin string                          // the Google admin allowed to deploy
}

type heldPlan struct {
	pending license.PendingView
	plan    license.PlanView
}

func newTestSyncs(st license.Store) *testSyncs {
	return &testSyncs{store: st, runs: map[string][]license.RunView{}, plans: map[string]*heldPlan{}, ous: map[string][]license.PlanChange{}}
}

func (s *testSyncs) Deployments(_ context.Context, licenseID string) ([]license.DeploymentView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []license.DeploymentView
	for _, d := range s.deps {
		if licenseID == "" || d.License == licenseID {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *testSyncs) Runs(_ context.Context, deployment string, limit int) ([]license.RunView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	runs := s.runs[deployment]
	return slices.Clone(runs[:min(limit, len(runs))]), nil
}

// RunNow records a running run, newest first, and answers it, as the
// engine does when it starts a run server-side.
func (s *testSyncs) RunNow(_ context.Context, deployment, _ string) (license.RunView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := uint64(1)
	if runs := s.runs[deployment]; len(runs) > 0 {
		id = runs[0].ID + 1
	}
	run := license.RunView{ID: id, Deployment: deployment, Trigger: "manual", Started: day(0), Result: "running"}
	s.runs[deployment] = append([]license.RunView{run}, s.runs[deployment]...)
	for i := range s.deps {
		if s.deps[i].Name == deployment {
			s.deps[i].LastRun = &run
		}
	}
	return run, nil
}

func (s *testSyncs) Run(_ context.Context, deployment string, id uint64) (license.RunView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.runs[deployment] {
		if r.ID == id {
			return r, nil
		}
	}
	return license.RunView{}, fmt.Errorf("run %d: %w", id, license.ErrNotFound)
}

func (s *testSyncs) DryRun(context.Context, string) (license.PlanView, error) {
	return license.PlanView{}, fmt.Errorf("dry run: not in this test")
}

func (s *testSyncs) Pending(_ context.Context, deployment string) ([]license.PendingView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []license.PendingView
	for _, p := range s.plans {
		if p.pending.Status == "pending" && (deployment == "" || p.pending.Deployment == deployment) {
			out = append(out, p.pending)
		}
	}
	slices.SortFunc(out, func(a, b license.PendingView) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (s *testSyncs) Plan(_ context.Context, id string) (license.PendingView, license.PlanView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plans[id]
	if !ok {
		return license.PendingView{}, license.PlanView{}, fmt.Errorf("plan %s: %w", id, license.ErrNotFound)
	}
	return p.pending, p.plan, nil
}

func (s *testSyncs) Approve(ctx context.Context, id, actor string) (license.RunView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plans[id]
	if !ok || p.pending.Status != "pending" {
		return license.RunView{}, fmt.Errorf("plan %s: %w", id, license.ErrNotFound)
	}
	var changes []license.Change
	for _, rm := range p.plan.Removes {
		changes = append(changes, license.Change{Op: license.OpRemove, Email: rm.Email, Source: license.Source("google-directory/" + p.pending.Deployment)})
	}
	res, err := s.store.Apply(ctx, p.pending.License, changes, license.ApplyOptions{Actor: actor, Now: epoch})
	if err != nil {
		return license.RunView{}, err
	}
	p.pending.Status, p.pending.DecidedBy = "approved", actor
	run := license.RunView{ID: uint64(len(s.runs[p.pending.Deployment]) + 1), Deployment: p.pending.Deployment, Trigger: "approval",
		Started: epoch, Ended: epoch, Result: "success", Removed: res.MembersRemoved}
	s.runs[p.pending.Deployment] = append([]license.RunView{run}, s.runs[p.pending.Deployment]...)
	return run, nil
}

func (s *testSyncs) Reject(_ context.Context, id, actor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plans[id]
	if !ok {
		return fmt.Errorf("plan %s: %w", id, license.ErrNotFound)
	}
	p.pending.Status, p.pending.DecidedBy = "rejected", actor
	return nil
}

func (s *testSyncs) OrgUnits(_ context.Context, connector string) ([]license.OrgUnitView, error) {
	if connector != "district-directory" {
		return nil, fmt.Errorf("connector %q: %w", connector, license.ErrNotFound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []license.OrgUnitView
	for path := range s.ous {
		i := strings.LastIndexByte(path, '/')
		out = append(out, license.OrgUnitView{Path: path, Name: path[i+1:], Parent: path[:max(i, 1)]})
	}
	return out, nil
}

// LMSConnectors: one Canvas connector.
func (s *testSyncs) LMSConnectors(context.Context) ([]license.ConnectorView, error) {
	return []license.ConnectorView{{Name: "canvas-lms", Type: "canvas"}}, nil
}

// LinkLMS records the link on the license, as the engine does after its
// test call, and answers a first sync that added nobody.
func (s *testSyncs) LinkLMS(ctx context.Context, req license.LinkLMSRequest) (license.DeploymentView, license.RunView, error) {
	if _, err := s.store.UpdateLicense(ctx, req.License, req.Actor, func(l *license.License) error {
		l.LMS = license.LMS{Vendor: "canvas", BaseURL: "https://canvas.example.edu", Connector: req.Connector, Status: license.LinkOK}
		return nil
	}); err != nil {
		return license.DeploymentView{}, license.RunView{}, err
	}
	name := req.License + "-lms"
	return license.DeploymentView{Name: name, Connector: req.Connector, License: req.License, Units: req.Units},
		license.RunView{ID: 1, Deployment: name, Result: "success"}, nil
}

// OrgUnitsFor: the directory lets its admin read every unit, nobody else any.
func (s *testSyncs) OrgUnitsFor(ctx context.Context, connector, email string) ([]license.OrgUnitView, error) {
	ous, err := s.OrgUnits(ctx, connector)
	s.mu.Lock()
	defer s.mu.Unlock()
	if email != s.admin {
		return nil, err
	}
	return ous, err
}

func (s *testSyncs) DeployOU(ctx context.Context, req license.DeployOURequest) (license.DeploymentView, license.PlanView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Actor != s.admin {
		return license.DeploymentView{}, license.PlanView{}, fmt.Errorf("%s is not a Google admin of those org units: %w", req.Actor, auth.ErrForbidden)
	}
	name := fmt.Sprintf("ou-%d", len(s.deps)+1)
	src := license.DeploymentSource("google-directory", name)
	plan := license.PlanView{Deployment: name, License: req.License}
	var changes []license.Change
	for ou, role := range req.OrgUnits {
		for _, p := range s.ous[ou] {
			plan.Adds = append(plan.Adds, license.PlanChange{Email: p.Email, Name: p.Name, Role: role, OrgUnit: ou})
			changes = append(changes, license.Change{Op: license.OpUpsert, Email: p.Email, Name: p.Name, Role: role, OrgUnit: ou, Source: src})
		}
	}
	dep := license.DeploymentView{Name: name, Connector: req.Connector, Type: "google-directory", License: req.License, Source: src,
		Schedule: "@every 15m", RunTime: true, CreatedBy: req.Actor}
	for ou := range req.OrgUnits {
		dep.Units = append(dep.Units, ou)
	}
	if req.DryRun {
		return dep, plan, nil
	}
	res, err := s.store.Apply(ctx, req.License, changes, license.ApplyOptions{Actor: string(src), Now: epoch})
	if err != nil {
		return license.DeploymentView{}, license.PlanView{}, err
	}
	s.deps = append(s.deps, dep)
	s.runs[name] = []license.RunView{{ID: 1, Deployment: name, Trigger: "deploy", Started: epoch, Ended: epoch, Result: "success", Added: res.MembersAdded}}
	return dep, plan, nil
}

func (s *testSyncs) Undeploy(context.Context, string, string) (license.RunView, error) {
	return license.RunView{}, fmt.Errorf("undeploy: not in this test")
}

// hold makes a deployment of license id whose source claims people, and a
// held plan that removes them.
func (s *testSyncs) hold(t *testing.T, id, deployment string, people ...string) string {
	t.Helper()
	src := license.DeploymentSource("google-directory", deployment)
	var changes []license.Change
	plan := license.PlanView{Deployment: deployment, License: id, Held: true, Guards: []string{fmt.Sprintf("%d removals exceed the deletion limit", len(people))}}
	for _, p := range people {
		changes = append(changes, license.Change{Op: license.OpUpsert, Email: p, Source: src, Role: license.RoleStudent})
		plan.Removes = append(plan.Removes, license.PlanChange{Email: p, Role: license.RoleStudent})
	}
	if _, err := s.store.Apply(context.Background(), id, changes, license.ApplyOptions{Actor: string(src), Now: day(-5)}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deps = append(s.deps, license.DeploymentView{Name: deployment, Connector: "district-directory", Type: "google-directory", License: id, Source: src, Units: []string{"/Students"}, Schedule: "@every 15m"})
	s.runs[deployment] = []license.RunView{
		{ID: 2, Deployment: deployment, Trigger: "schedule", Started: day(-1), Ended: day(-1), Result: "held", HeldRemovals: len(people), PlanID: "plan-" + deployment},
		{ID: 1, Deployment: deployment, Trigger: "schedule", Started: day(-5), Ended: day(-5), Result: "success", Added: len(people)},
	}
	pid := "plan-" + deployment
	s.plans[pid] = &heldPlan{pending: license.PendingView{ID: pid, Deployment: deployment, License: id, Created: day(-1), Removals: len(people),
		Summary: fmt.Sprintf("%d removals held for approval", len(people)), Status: "pending"}, plan: plan}
	return pid
}

var _ license.Syncs = (*testSyncs)(nil)
