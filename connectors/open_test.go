package connectors_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	_ "github.com/rollcall-sync/rollcall/connectors/static"
	"github.com/rollcall-sync/rollcall/license"
)

func noEnv(string) (string, bool) { return "", false }

// writeConfig writes the config and a people.csv beside it, and loads it.
func writeConfig(t *testing.T, yaml, people string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(people), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "rollcall.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The README's example config opens end to end: its connector builds, its
// deployments validate, and a deployment fetches from the people file.
func TestOpenExample(t *testing.T) {
	people := "email,name,role,org_unit,external_id\n" +
		"ann@d.org,Ann,,/Students/High,s1\n" +
		"bob@d.org,Bob,,/Students/Middle,s2\n" +
		"tia@d.org,Tia,,/Staff,t1\n" +
		"hal@d.org,Hal,,/Students/High/Labs,s3\n"
	cfg := writeConfig(t, config.Example(), people)
	conns, deps, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatalf("the example config does not open:\n%v", err)
	}
	if len(conns) != len(cfg.Connectors) || len(deps) != len(cfg.Deployments) {
		t.Fatalf("%d connectors and %d deployments opened, want %d and %d", len(conns), len(deps), len(cfg.Connectors), len(cfg.Deployments))
	}
	byName := map[string]connectors.Deployment{}
	for _, d := range deps {
		byName[d.Name] = d
	}
	hs, staff := byName["hs"], byName["staff"]
	roster := cfg.Connector(hs.Connector)
	if hs.Schedule != roster.Schedule || hs.TimeZone != roster.TimeZone {
		t.Errorf("hs did not inherit the connector's schedule: %q %q, connector %q %q", hs.Schedule, hs.TimeZone, roster.Schedule, roster.TimeZone)
	}
	if staff.Schedule != cfg.Deployments[1].Schedule || staff.TimeZone != cfg.Deployments[1].TimeZone || staff.Schedule == roster.Schedule {
		t.Errorf("staff lost its own schedule: %q %q", staff.Schedule, staff.TimeZone)
	}
	if staff.DeletionLimit != connectors.DefaultDeletionLimit {
		t.Errorf("staff deletion limit %+v, want the default", staff.DeletionLimit)
	}
	if hs.Source() != license.DeploymentSource("roster", "hs") {
		t.Errorf("source %q", hs.Source())
	}

	c := conns[hs.Connector]
	if err := c.(connectors.Checker).Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := c.(connectors.SelectionValidator).ValidateSelection(context.Background(), hs.Selection); err != nil {
		t.Errorf("ValidateSelection: %v", err)
	}
	var got []string
	if err := c.Fetch(context.Background(), hs.Selection, func(p []connectors.Person) error {
		for _, x := range p {
			got = append(got, x.Email+"="+string(x.Role))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"ann@d.org=student", "hal@d.org=student"}; !slices.Equal(got, want) {
		t.Errorf("hs fetched %v, want %v", got, want)
	}
}

func TestOpenDeployments(t *testing.T) {
	src := `connectors:
  - name: roster
    type: static
    schedule: "@every 5m"
    time_zone: America/Chicago
    settings: {path: people.csv}
deployments:
  - name: a
    connector: roster
    license: lic1
    units: ["/S"]
    roles: {"/S/T": Teacher, staff: other}
    default_role: student
    options: {include_sub_org_units: "false"}
    deletion_limit: {percent: 50, min: 3}
  - name: b
    connector: roster
    license: lic1
    time_zone: Europe/Berlin
`
	cfg := writeConfig(t, src, "email\n")
	_, deps, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := deps[0], deps[1]
	checks := []struct {
		name      string
		got, want any
	}{
		{"a.schedule inherited", a.Schedule, "@every 5m"},
		{"a.time_zone inherited", a.TimeZone, "America/Chicago"},
		{"b.schedule inherited", b.Schedule, "@every 5m"},
		{"b.time_zone own", b.TimeZone, "Europe/Berlin"},
		{"a.deletion_limit", a.DeletionLimit, connectors.DeletionLimit{Percent: 50, Min: 3}},
		{"b.deletion_limit default", b.DeletionLimit, connectors.DefaultDeletionLimit},
		{"a.role by unit", a.Selection.Roles["/S/T"], license.RoleTeacher},
		{"a.role by name", a.Selection.Roles["staff"], license.RoleOther},
		{"a.default_role", a.Selection.DefaultRole, license.RoleStudent},
		{"a.options", a.Selection.Options["include_sub_org_units"], "false"},
		{"a.units", strings.Join(a.Selection.Units, ","), "/S"},
		{"a.license", a.License, "lic1"},
		{"b.connector", b.Connector, "roster"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string // whole lines of the error, in order
	}{
		{"unknown type", "connectors:\n  - name: x\n    type: statik\n", []string{
			`rollcall.yaml:3: connectors[0].type: unknown connector type "statik"`}},
		{"unknown settings key", "connectors:\n  - name: x\n    type: static\n    settings:\n      path: people.csv\n      pagesize: 3\n", []string{
			"rollcall.yaml:6: connectors[0].settings.pagesize: unknown field (known: path, format, page_size)"}},
		{"settings of the wrong type", "connectors:\n  - name: x\n    type: static\n    settings:\n      path: people.csv\n      page_size: many\n", []string{
			`rollcall.yaml:6: connectors[0].settings.page_size: expected a whole number, got "many"`}},
		{"settings that fail validation", "connectors:\n  - name: x\n    type: static\n    settings:\n      page_size: 3\n", []string{
			"rollcall.yaml:5: connectors[0].settings: path: is required"}},
		{"no settings at all", "connectors:\n  - name: x\n    type: static\n", []string{
			"rollcall.yaml:2: connectors[0].settings: path: is required"}},
		{"every connector's errors", "connectors:\n  - name: x\n    type: nope\n  - name: y\n    type: static\n    settings: {path: a.txt}\n", []string{
			`rollcall.yaml:3: connectors[0].type: unknown connector type "nope"`,
			`rollcall.yaml:6: connectors[1].settings: format: cannot tell`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(tc.src), "rollcall.yaml", noEnv)
			if err != nil {
				t.Fatal(err)
			}
			conns, deps, err := connectors.Open(cfg, connectors.OpenOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if conns != nil || deps != nil {
				t.Error("connectors or deployments returned with an error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("%d errors, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d:\n got %s\nwant %s", i, lines[i], w)
				}
			}
			if len(config.Errors(err)) != len(tc.want) {
				t.Errorf("not every error is a *config.Error: %v", err)
			}
		})
	}
}

// Deployment.Validate still runs on what the config hands over.
func TestOpenValidatesDeployments(t *testing.T) {
	cfg, err := config.Parse([]byte("connectors:\n  - {name: x, type: static, settings: {path: p.csv}}\ndeployments:\n  - {name: d, connector: x, license: l}\n"), "r.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Deployments[0].DefaultRole = "boss" // as a caller building a Config by hand might
	_, _, err = connectors.Open(cfg, connectors.OpenOptions{})
	if err == nil || !strings.Contains(err.Error(), "r.yaml:4: deployments[0]: deployment d: default_role") {
		t.Errorf("got %v", err)
	}
}

func TestSchedule(t *testing.T) {
	cfg, err := config.Parse([]byte(`connectors:
  - {name: fast, type: static, schedule: "@every 1m", time_zone: Asia/Tokyo}
  - {name: plain, type: static}
`), "r.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		d        connectors.Deployment
		spec, tz string
	}{
		{connectors.Deployment{Connector: "fast"}, "@every 1m", "Asia/Tokyo"},
		{connectors.Deployment{Connector: "fast", Schedule: "0 * * * *"}, "0 * * * *", "Asia/Tokyo"},
		{connectors.Deployment{Connector: "fast", TimeZone: "UTC"}, "@every 1m", "UTC"},
		{connectors.Deployment{Connector: "plain"}, config.DefaultSchedule, "UTC"},
		{connectors.Deployment{Connector: "gone"}, config.DefaultSchedule, "UTC"},
	}
	for _, tc := range cases {
		if spec, tz := connectors.Schedule(cfg, tc.d); spec != tc.spec || tz != tc.tz {
			t.Errorf("Schedule(%+v) = %q %q, want %q %q", tc.d, spec, tz, tc.spec, tc.tz)
		}
	}
}
