package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// syncs is a small in-test license.Syncs: two deployments, one per
// license, and one held plan each. It records what it was asked.
type syncs struct {
	mu    sync.Mutex
	calls []string
}

func (f *syncs) record(format string, args ...any) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

var deployments = []license.DeploymentView{
	{Name: "dep-a", Connector: "gd", Type: "google-directory", License: "lic-a", Source: "gd/dep-a", Units: []string{"/Students"}, Schedule: "@hourly"},
	{Name: "dep-b", Connector: "gd", Type: "google-directory", License: "lic-b", Source: "gd/dep-b", Units: []string{"/Staff"}, Schedule: "@hourly"},
}

var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

func (f *syncs) Deployments(_ context.Context, id string) ([]license.DeploymentView, error) {
	var out []license.DeploymentView
	for _, d := range deployments {
		if id == "" || d.License == id {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *syncs) Runs(_ context.Context, dep string, _ int) ([]license.RunView, error) {
	return []license.RunView{
		{ID: 2, Deployment: dep, Trigger: "schedule", Started: t0.Add(24 * time.Hour), Result: "held"},
		{ID: 1, Deployment: dep, Trigger: "schedule", Started: t0, Result: "success"},
	}, nil
}

func (f *syncs) RunNow(_ context.Context, dep, actor string) (license.RunView, error) {
	f.record("run %s by %s", dep, actor)
	return license.RunView{ID: 3, Deployment: dep, Trigger: "manual", Result: "running"}, nil
}

func (f *syncs) Run(_ context.Context, dep string, id uint64) (license.RunView, error) {
	f.record("get run %d of %s", id, dep)
	if id != 3 {
		return license.RunView{}, fmt.Errorf("run %d: %w", id, license.ErrNotFound)
	}
	return license.RunView{ID: 3, Deployment: dep, Trigger: "manual", Result: "success"}, nil
}

func (f *syncs) DryRun(_ context.Context, dep string) (license.PlanView, error) {
	f.record("dry-run %s", dep)
	return license.PlanView{Deployment: dep}, nil
}

func pendingOf(id string) (license.PendingView, bool) {
	switch id {
	case "plan-a":
		return license.PendingView{ID: id, Deployment: "dep-a", License: "lic-a", Removals: 40, Status: "pending"}, true
	case "plan-b":
		return license.PendingView{ID: id, Deployment: "dep-b", License: "lic-b", Removals: 40, Status: "pending"}, true
	}
	return license.PendingView{}, false
}

func (f *syncs) Pending(_ context.Context, dep string) ([]license.PendingView, error) {
	var out []license.PendingView
	for _, id := range []string{"plan-a", "plan-b"} {
		p, _ := pendingOf(id)
		if dep == "" || p.Deployment == dep {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *syncs) Plan(_ context.Context, id string) (license.PendingView, license.PlanView, error) {
	p, ok := pendingOf(id)
	if !ok {
		return p, license.PlanView{}, fmt.Errorf("plan %q: %w", id, license.ErrNotFound)
	}
	return p, license.PlanView{Deployment: p.Deployment, License: p.License, Held: true, Removes: []license.PlanChange{{Email: "gone@north.org"}}}, nil
}

func (f *syncs) Approve(_ context.Context, id, actor string) (license.RunView, error) {
	f.record("approve %s by %s", id, actor)
	return license.RunView{ID: 4, Result: "success", PlanID: id}, nil
}

func (f *syncs) Reject(_ context.Context, id, actor string) error {
	f.record("reject %s by %s", id, actor)
	return nil
}

// The fake's connectors: gd is a directory of org units, canvas is not.
// As the real directory says, the license admins may read /Students and
// nobody but the super admin (the operator) reads /Secret.
var fakeOrgUnits = []license.OrgUnitView{{Path: "/Secret", Name: "Secret"}, {Path: "/Students", Name: "Students"}}

func directoryOf(connector string) error {
	switch connector {
	case "gd":
		return nil
	case "canvas":
		return &license.FieldError{Field: "connector", Value: connector, Reason: "is not a directory of org units"}
	}
	return fmt.Errorf("connector %q: %w", connector, license.ErrNotFound)
}

func canRead(email, ou string) bool { return email == "op@district.org" || ou != "/Secret" }

func (f *syncs) OrgUnits(_ context.Context, connector string) ([]license.OrgUnitView, error) {
	if err := directoryOf(connector); err != nil {
		return nil, fmt.Errorf("directory %q: %w", connector, license.ErrNotFound)
	}
	return fakeOrgUnits, nil
}

func (f *syncs) OrgUnitsFor(ctx context.Context, connector, email string) ([]license.OrgUnitView, error) {
	all, err := f.OrgUnits(ctx, connector)
	var out []license.OrgUnitView
	for _, ou := range all {
		if canRead(email, ou.Path) {
			out = append(out, ou)
		}
	}
	return out, err
}

func (f *syncs) DeployOU(_ context.Context, req license.DeployOURequest) (license.DeploymentView, license.PlanView, error) {
	if err := directoryOf(req.Connector); err != nil {
		return license.DeploymentView{}, license.PlanView{}, err
	}
	for ou := range req.OrgUnits {
		if !canRead(req.Actor, ou) {
			return license.DeploymentView{}, license.PlanView{}, fmt.Errorf("%s may not read %s: %w", req.Actor, ou, auth.ErrForbidden)
		}
	}
	f.record("deploy %s to %d units by %s", req.License, len(req.OrgUnits), req.Actor)
	return license.DeploymentView{Name: "rt-1", License: req.License, RunTime: true}, license.PlanView{License: req.License}, nil
}

func (f *syncs) Undeploy(_ context.Context, dep, actor string) (license.RunView, error) {
	f.record("undeploy %s by %s", dep, actor)
	return license.RunView{ID: 5, Deployment: dep, Result: "success"}, nil
}

// fixture is one API over real bbolt stores with two licenses:
//
//	lic-a: domains north.org, admin a-admin@north.org, members kid@north.org, kid@south.org
//	lic-b: domains south.org, admin b-admin@south.org, member kid@south.org
//
// dom-admin@north.org administers north.org, so reaches lic-a's north members.
type fixture struct {
	t      testing.TB
	srv    *httptest.Server
	store  *bolt.Store
	auth   *auth.Store
	syncs  *syncs
	logs   *syncBuffer
	tokens map[string]string // role name → plaintext
	keys   map[string]string // license id → plaintext key
	now    time.Time
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Roles of the route × role matrix.
const (
	rOperator = "operator"
	rAdminA   = "license admin A"
	rAdminB   = "license admin B"
	rDomainA  = "domain admin A"
	rApp      = "application"
	rAnon     = "anonymous"
)

var roles = []string{rOperator, rAdminA, rAdminB, rDomainA, rApp, rAnon}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	now := t0.Add(48 * time.Hour)
	clock := func() time.Time { return now }
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{Logger: log, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	as, err := auth.Open(filepath.Join(dir, "auth.db"), auth.Options{Logger: log, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { as.Close() })
	f := &fixture{t: t, store: st, auth: as, syncs: &syncs{}, logs: logs, tokens: map[string]string{}, keys: map[string]string{}, now: now}
	for _, l := range []license.License{
		{ID: "lic-a", Name: "North district", Type: license.TypeDistrict, Seats: 100, Created: t0, Domains: []string{"north.org"}, Admins: []string{"a-admin@north.org"}, Features: map[string]bool{"export": true}},
		{ID: "lic-b", Name: "South school", Type: license.TypeSchool, Seats: 100, Created: t0, Domains: []string{"south.org"}, Admins: []string{"b-admin@south.org"}},
	} {
		plain, key := license.NewKey(t0)
		l.Key = key
		if _, err := st.CreateLicense(ctx, l); err != nil {
			t.Fatal(err)
		}
		f.keys[l.ID] = plain
	}
	add := func(id string, emails ...string) {
		var ch []license.Change
		for _, e := range emails {
			ch = append(ch, license.Change{Op: license.OpUpsert, Email: e, Source: license.SourceManual, Name: "Kid " + e})
		}
		if _, err := st.Apply(ctx, id, ch, license.ApplyOptions{Actor: "test", Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	add("lic-a", "kid@north.org", "kid@south.org", "thomas.tank@north.org")
	add("lic-b", "kid@south.org")
	if err := st.SetDomainAdmin(ctx, "north.org", "dom-admin@north.org", true); err != nil {
		t.Fatal(err)
	}
	for role, who := range map[string]struct {
		email string
		role  auth.Role
	}{
		rOperator: {"op@district.org", auth.RoleOperator},
		rAdminA:   {"a-admin@north.org", auth.RoleAdmin},
		rAdminB:   {"b-admin@south.org", auth.RoleAdmin},
		rDomainA:  {"dom-admin@north.org", auth.RoleAdmin},
		rApp:      {"app@vendor.com", auth.RoleApplication},
	} {
		plain, _, err := as.CreateToken(ctx, who.email, who.role, 24*time.Hour, role)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[role] = plain
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix+"/", New(Options{Store: st, Auth: as, Syncs: f.syncs, Logger: log, Now: clock}))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// secrets lists every credential the fixture knows.
func (f *fixture) secrets() []string {
	var out []string
	for _, v := range f.tokens {
		out = append(out, v)
	}
	for _, v := range f.keys {
		out = append(out, v)
	}
	return out
}

// response is one finished request.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request as role ("" or rAnon: no credentials).
func (f *fixture) do(role, method, path, ctype, body string, hdr ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+Prefix+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok := f.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (f *fixture) json(role, method, path, body string) response {
	f.t.Helper()
	return f.do(role, method, path, "application/json", body)
}
