package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// directoryFixture is an engine over a real store and sync state with a
// Google Directory connector pointed at the fake, through the real Go
// client and the real JWT flow.
type directoryFixture struct {
	store  *bolt.Store
	state  *syncstate.State
	srv    *fake.Server
	engine *Engine
	admin  string // administers license "district"
}

func newDirectoryFixture(t *testing.T, people int) *directoryFixture {
	t.Helper()
	dir := t.TempDir()
	f := &directoryFixture{srv: fake.New(fake.Options{District: fake.Generate(7, people)})}
	t.Cleanup(f.srv.Close)
	key, err := f.srv.NewServiceAccount()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "sa.json")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	d := f.srv.District()
	s := &googledirectory.Settings{CredentialsFile: keyFile, Subject: d.SuperAdmin, Endpoint: f.srv.Endpoint(), TokenURL: f.srv.TokenURL()}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	conn, err := s.Open(connectors.OpenOptions{Name: "district"})
	if err != nil {
		t.Fatal(err)
	}
	if f.store, err = bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	if f.state, err = syncstate.Open(filepath.Join(dir, "syncstate.db"), syncstate.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.state.Close() })
	f.engine, err = New(Options{Store: f.store, State: f.state, Connectors: map[string]connectors.Connector{"district": conn},
		ConnectorTypes: map[string]string{"district": googledirectory.Type}})
	if err != nil {
		t.Fatal(err)
	}
	// The super admin, the staff-only delegated admin and a teacher all
	// administer the license: the directory side decides.
	f.admin = d.SuperAdmin
	admins := []string{d.SuperAdmin, d.NonAdmin}
	for _, da := range d.DelegatedAdmins {
		admins = append(admins, da.Email)
	}
	if _, err := f.store.CreateLicense(context.Background(), license.License{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: 10000, Admins: admins}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreateLicense(context.Background(), license.License{ID: "other", Name: "Other", Type: license.TypeSchool, Seats: 10}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *directoryFixture) delegated(t *testing.T, ou string) string {
	t.Helper()
	for _, da := range f.srv.District().DelegatedAdmins {
		if da.CanRead && len(da.OrgUnits) == 1 && da.OrgUnits[0] == ou {
			return da.Email
		}
	}
	t.Fatalf("the generated district has no delegated admin for %s", ou)
	return ""
}

func TestDeployOUChecksBothSides(t *testing.T) {
	f := newDirectoryFixture(t, 400)
	d := f.srv.District()
	staffAdmin := f.delegated(t, "/Staff")
	ous := map[string]license.Role{"/Students": license.RoleStudent, "/Staff": license.RoleTeacher}
	for _, c := range []struct {
		name    string
		req     DeployOURequest
		wantErr error
		wantMsg string
	}{
		{"not a license admin", DeployOURequest{License: "other", Connector: "district", OrgUnits: ous, By: d.SuperAdmin}, ErrNotLicenseAdmin, "other"},
		{"license admin, not a Google admin", DeployOURequest{License: "district", Connector: "district", OrgUnits: ous, By: d.NonAdmin}, ErrNotDirectoryAdmin, ""},
		{"delegated admin for another OU", DeployOURequest{License: "district", Connector: "district", OrgUnits: ous, By: staffAdmin}, ErrNotDirectoryAdmin, "/Students"},
		{"unknown OU", DeployOURequest{License: "district", Connector: "district", OrgUnits: map[string]license.Role{"/Nowhere": license.RoleStudent}, By: d.SuperAdmin}, nil, "/Nowhere"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := f.engine.PlanDeployOU(context.Background(), c.req)
			if err == nil {
				t.Fatal("deploy was allowed")
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantMsg) {
				t.Fatalf("err = %v, want it to mention %q", err, c.wantMsg)
			}
			deps, _ := f.engine.Deployments(context.Background())
			if len(deps) != 0 {
				t.Fatalf("a refused deploy saved a deployment: %+v", deps)
			}
		})
	}

	// The staff delegated admin may deploy to /Staff alone.
	dep, plan, err := f.engine.PlanDeployOU(context.Background(), DeployOURequest{License: "district", Connector: "district",
		OrgUnits: map[string]license.Role{"/Staff": license.RoleTeacher}, By: staffAdmin})
	if err != nil {
		t.Fatalf("staff admin deploying /Staff: %v", err)
	}
	if want := len(f.srv.ActiveIn("/Staff", true)); len(plan.Adds) != want || want == 0 {
		t.Fatalf("dry run plans %d adds, want the %d active staff", len(plan.Adds), want)
	}
	if n := f.members(t); n != 0 {
		t.Fatalf("the dry run added %d members", n)
	}
	if dep.Name == "" || !dep.RunTime {
		t.Fatalf("planned deployment = %+v", dep)
	}
}

func (f *directoryFixture) members(t *testing.T) int {
	t.Helper()
	l, err := f.store.GetLicense(context.Background(), "district")
	if err != nil {
		t.Fatal(err)
	}
	return l.Used
}

func TestDeployOUSyncsFollowsChurnAndUndeploys(t *testing.T) {
	f := newDirectoryFixture(t, 400)
	ctx := context.Background()
	ous := map[string]license.Role{"/Students": license.RoleStudent, "/Staff": license.RoleTeacher}
	dep, run, err := f.engine.DeployOU(ctx, DeployOURequest{License: "district", Connector: "district", OrgUnits: ous, By: f.admin})
	if err != nil {
		t.Fatal(err)
	}
	want := len(f.srv.ActiveIn("/Students", true)) + len(f.srv.ActiveIn("/Staff", true))
	if run.Result != syncstate.ResultSuccess || f.members(t) != want {
		t.Fatalf("first sync: %+v, members %d, want %d", run, f.members(t), want)
	}
	// Deploying the same OUs again is refused as a duplicate.
	if _, _, err := f.engine.DeployOU(ctx, DeployOURequest{License: "district", Connector: "district", OrgUnits: ous, By: f.admin}); err == nil {
		t.Fatal("the same deployment was created twice")
	}
	// The deployment survives a restart of the engine (it lives in sync state).
	e2, err := New(Options{Store: f.store, State: f.state, Connectors: f.engine.conns})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e2.Deployment(ctx, dep.Name); err != nil {
		t.Fatalf("run-time deployment lost on restart: %v", err)
	}

	// A student leaves /Students: the next sync removes them.
	leaver := f.srv.ActiveIn("/Students", true)[0].PrimaryEmail
	if err := f.srv.Move(leaver, "/Staff"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.Run(ctx, dep.Name, TriggerManual); err != nil {
		t.Fatal(err)
	}
	m, err := f.store.Member(ctx, "district", strings.ToLower(leaver))
	if err != nil || m.Role != license.RoleTeacher {
		t.Fatalf("moved person = %+v, %v; want a teacher now", m, err)
	}

	// An admin also adds someone by hand; undeploy must not touch that claim.
	keep := strings.ToLower(f.srv.ActiveIn("/Staff", true)[0].PrimaryEmail)
	if _, err := f.store.Apply(ctx, "district", []license.Change{{Op: license.OpUpsert, Email: keep, Source: license.SourceManual}}, license.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	run, err = f.engine.Undeploy(ctx, dep.Name, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if run.Result != syncstate.ResultHeld || run.Counts.HeldRemovals != want {
		t.Fatalf("undeploy of %d claims = %+v; want the removals held for approval", want, run)
	}
	if _, err := f.engine.Run(ctx, dep.Name, TriggerManual); err == nil {
		t.Fatal("an undeploying deployment still syncs")
	}
	if _, err := f.engine.Approve(ctx, run.PlanID, "operator@district.org"); err != nil {
		t.Fatal(err)
	}
	if n := f.members(t); n != 1 {
		t.Fatalf("members after undeploy = %d, want only the hand-added one", n)
	}
	if _, err := f.store.Member(ctx, "district", keep); err != nil {
		t.Fatalf("hand-added member lost: %v", err)
	}
	if _, err := f.engine.Deployment(ctx, dep.Name); !errors.Is(err, ErrUnknownDeployment) {
		t.Fatalf("deployment still there after its removal was approved: %v", err)
	}
}
