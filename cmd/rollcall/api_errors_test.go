package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// realAPI is the admin API as `rollcall serve` builds it, over the real
// engine, a Google Directory fake ("district") and a static roster
// ("roster"), with a license whose admins hold different Google rights.
type realAPI struct {
	t        *testing.T
	srv      *httptest.Server
	tokens   map[string]string
	district *fake.District
}

func newRealAPI(t *testing.T) *realAPI {
	t.Helper()
	ctx := context.Background()
	district := fake.Generate(3, 300)
	gd := fake.New(fake.Options{District: district})
	t.Cleanup(gd.Close)
	key, err := gd.NewServiceAccount()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "sa.json")
	roster := filepath.Join(dir, "people.csv")
	for name, body := range map[string][]byte{keyFile: key, roster: []byte(rosterCSV(3, 1))} {
		if err := os.WriteFile(name, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfgFile := filepath.Join(dir, "rollcall.yaml")
	cfgText := fmt.Sprintf(`connectors:
  - name: district
    type: google-directory
    settings: {credentials_file: %q, subject: %q, endpoint: %q, token_url: %q}
  - name: roster
    type: static
    settings: {path: %q}
`, keyFile, district.SuperAdmin, gd.Endpoint(), gd.TokenURL(), roster)
	if err := os.WriteFile(cfgFile, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{stdout: io.Discard, stderr: io.Discard, dataDir: dir, logger: slog.New(slog.DiscardHandler),
		now: func() time.Time { return time.Now().UTC() }}
	rt, err := a.openRuntimeFrom(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	staff, groups := district.DelegatedAdmins[1], district.DelegatedAdmins[3]
	if staff.OrgUnits[0] != "/Staff" || groups.CanRead {
		t.Fatalf("the generated district changed: %+v %+v", staff, groups)
	}
	if _, err := rt.store.CreateLicense(ctx, license.License{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: 1000,
		Admins: []string{staff.Email, groups.Email}}); err != nil {
		t.Fatal(err)
	}
	api := &realAPI{t: t, tokens: map[string]string{}, district: district}
	for name, who := range map[string]struct {
		email string
		role  auth.Role
	}{"operator": {district.SuperAdmin, auth.RoleOperator}, "staff": {staff.Email, auth.RoleAdmin}, "groups": {groups.Email, auth.RoleAdmin}} {
		tok, _, err := rt.auth.CreateToken(ctx, who.email, who.role, time.Hour, name)
		if err != nil {
			t.Fatal(err)
		}
		api.tokens[name] = tok
	}
	h, err := a.handler(rt)
	if err != nil {
		t.Fatal(err)
	}
	api.srv = httptest.NewServer(h)
	t.Cleanup(api.srv.Close)
	return api
}

func (api *realAPI) do(who, method, path, body string) (int, string) {
	api.t.Helper()
	req, err := http.NewRequest(method, api.srv.URL+"/api/v1"+path, strings.NewReader(body))
	if err != nil {
		api.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.tokens[who])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		api.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAPIBadInputOverTheRealEngine: what the engine refuses reaches the
// API as 404, 400 or 403 (issue 19 found each of these answering 500).
func TestAPIBadInputOverTheRealEngine(t *testing.T) {
	api := newRealAPI(t)
	deploy := func(connector, ou string, dry bool) string {
		return fmt.Sprintf(`{"connector":%q,"org_units":{%q:"student"},"dry_run":%v}`, connector, ou, dry)
	}
	tests := []struct {
		name, who, method, path, body string
		status                        int
	}{
		{"unknown plan", "operator", "GET", "/plans/nope", "", 404},
		{"approve unknown plan", "operator", "POST", "/plans/nope/approve", "", 404},
		{"reject unknown plan", "operator", "POST", "/plans/nope/reject", "", 404},
		{"deploy, unknown connector", "operator", "POST", "/licenses/district/deployments/ou", deploy("nope", "/Staff", true), 404},
		{"deploy, not a directory", "operator", "POST", "/licenses/district/deployments/ou", deploy("roster", "/Staff", true), 400},
		{"deploy to ../../etc", "operator", "POST", "/licenses/district/deployments/ou", deploy("district", "../../etc", true), 400},
		{"deploy by a license admin who reads no users", "groups", "POST", "/licenses/district/deployments/ou", deploy("district", "/Staff", true), 403},
		{"deploy outside the admin's units", "staff", "POST", "/licenses/district/deployments/ou", deploy("district", "/Students", true), 403},
		{"deploy inside the admin's units", "staff", "POST", "/licenses/district/deployments/ou", deploy("district", "/Staff", true), 200},
		{"org units, unknown connector", "operator", "GET", "/connectors/nope/org-units", "", 404},
		{"org units, not a directory", "operator", "GET", "/connectors/roster/org-units", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api.t = t
			status, body := api.do(tt.who, tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("%s %s as %s: %d, want %d\n%s", tt.method, tt.path, tt.who, status, tt.status, body)
			}
		})
	}
}

// TestOrgUnitTreeAsTheDirectorySays: a license admin lists only the org
// units Google lets them read; the operator (super admin) the whole tree.
func TestOrgUnitTreeAsTheDirectorySays(t *testing.T) {
	api := newRealAPI(t)
	paths := func(who string) []string {
		status, body := api.do(who, "GET", "/connectors/district/org-units", "")
		if status != 200 {
			t.Fatalf("org units as %s: %d %s", who, status, body)
		}
		var out struct {
			OrgUnits []license.OrgUnitView `json:"org_units"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		var ps []string
		for _, o := range out.OrgUnits {
			ps = append(ps, o.Path)
		}
		return ps
	}
	all := paths("operator")
	if len(all) < 5 {
		t.Fatalf("operator sees %v", all)
	}
	staff := paths("staff")
	if len(staff) == 0 {
		t.Fatal("the /Staff admin sees no org unit")
	}
	for _, p := range staff {
		if p != "/Staff" && !strings.HasPrefix(p, "/Staff/") {
			t.Errorf("the /Staff admin sees %s", p)
		}
	}
	if got := paths("groups"); len(got) != 0 {
		t.Errorf("an admin who may read no users sees %v", got)
	}
}
