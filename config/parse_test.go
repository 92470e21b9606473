package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) (string, bool) { return "", false }

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte("connectors:\n  - name: roster\n    type: static\n"), "/etc/rollcall/rollcall.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"store.path", c.Store.Path, "/etc/rollcall/rollcall.db"},
		{"sync_state.path", c.SyncState.Path, "/etc/rollcall/syncstate.db"},
		{"http.listen", c.HTTP.Listen, DefaultListen},
		{"log.format", c.Log.Format, "text"},
		{"log.level", c.Log.Level, "info"},
		{"sync.history", c.Sync.History, 200},
		{"sync.batch_size", c.Sync.BatchSize, 10000},
		{"sync.jitter", c.Sync.Jitter, time.Duration(0)},
		{"sync.shutdown_timeout", c.Sync.ShutdownTimeout, 30 * time.Second},
		{"connectors[0].schedule", c.Connectors[0].Schedule, "@every 1h"},
		{"connectors[0].time_zone", c.Connectors[0].TimeZone, "UTC"},
		{"connectors[0].field", c.Connectors[0].Field, "connectors[0]"},
		{"dir", c.Dir, "/etc/rollcall"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestParseValues(t *testing.T) {
	src := `store: {path: /var/lib/rollcall/store.db}
sync_state: {path: state/sync.db}
http: {listen: ":9090"}
log: {format: JSON, level: Debug}
sync: {history: 5, jitter: 0s, batch_size: 7, shutdown_timeout: 1m30s}
connectors:
  - name: roster
    type: static
    schedule: "*/5 * * * *"
    time_zone: Europe/Berlin
    settings: {path: people.csv}
deployments:
  - name: hs
    connector: roster
    license: k3f9a2b7qx
    units: ["/Students"]
    roles: {"/Staff": Teacher}
    default_role: STUDENT
    options: {include_sub_org_units: "false"}
    deletion_limit: {percent: 5}
  - name: all
    connector: roster
    license: other-license
`
	c, err := Parse([]byte(src), "conf/rollcall.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Deployments[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"store.path", c.Store.Path, "/var/lib/rollcall/store.db"},
		{"sync_state.path", c.SyncState.Path, filepath.Join("conf", "state", "sync.db")},
		{"http.listen", c.HTTP.Listen, ":9090"},
		{"log.format", c.Log.Format, "json"},
		{"log.level", c.Log.Level, "debug"},
		{"sync.history", c.Sync.History, 5},
		{"sync.batch_size", c.Sync.BatchSize, 7},
		{"sync.shutdown_timeout", c.Sync.ShutdownTimeout, 90 * time.Second},
		{"schedule", c.Connectors[0].Schedule, "*/5 * * * *"},
		{"time_zone", c.Connectors[0].TimeZone, "Europe/Berlin"},
		{"units", strings.Join(d.Units, ","), "/Students"},
		{"roles", d.Roles["/Staff"], "teacher"},
		{"default_role", d.DefaultRole, "student"},
		{"options", d.Options["include_sub_org_units"], "false"},
		{"deletion_limit.percent", d.DeletionLimit.Percent, 5.0},
		{"deletion_limit.min", d.DeletionLimit.Min, 0},
		{"second has no limit", c.Deployments[1].DeletionLimit == nil, true},
		{"field", c.Deployments[1].Field, "deployments[1]"},
		{"line of deployments[1].license", c.Line("deployments[1].license"), 23},
		{"line of an absent field falls back", c.Line("deployments[1].units"), 21},
		{"line of an absent nested field", c.Line(`deployments[0].roles["/Other"]`), 17},
		{"settings line", c.Line("connectors[0].settings"), 11},
		{"settings kept as a node", c.Connectors[0].Settings.Line, 11},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if c.Connector("roster") == nil || c.Connector("nope") != nil {
		t.Error("Connector lookup by name is wrong")
	}
}

// TestParseBad asserts, for each broken file, the file, line and field
// path of every error expected, and that no other error is reported.
func TestParseBad(t *testing.T) {
	const head = "connectors:\n  - name: roster\n    type: static\n" // lines 1-3
	cases := []struct {
		name string
		src  string
		env  map[string]string
		want []string // "line: field: fragment"; several for several errors
	}{
		{"unknown top-level key", "stor: {path: x}\n", nil, []string{"1: stor: unknown field"}},
		{"unknown nested key", "sync:\n  histroy: 3\n", nil, []string{"2: sync.histroy: unknown field"}},
		{"unknown key in a deployment", head + "deployments:\n  - name: hs\n    connector: roster\n    license: abc\n    unit: [/x]\n", nil,
			[]string{"8: deployments[0].unit: unknown field"}},
		{"unknown key in deletion_limit", head + "deployments:\n  - name: hs\n    connector: roster\n    license: abc\n    deletion_limit: {percent: 3, max: 4}\n", nil,
			[]string{"8: deployments[0].deletion_limit.max: unknown field"}},
		{"deployment names a missing connector", head + "deployments:\n  - name: a\n    connector: roster\n    license: abc\n  - name: b\n    connector: rostr\n    license: abc\n", nil,
			[]string{`9: deployments[1].connector: "rostr" is not a connector defined in this file`}},
		{"missing required fields", head + "deployments:\n  - name: hs\n", nil,
			[]string{"5: deployments[0].connector: is required", "5: deployments[0].license: is required"}},
		{"bad duration", "sync:\n  jitter: 30 seconds\n", nil, []string{`2: sync.jitter: expected a duration`}},
		{"duration as a bare number", "sync:\n  shutdown_timeout: 30\n", nil, []string{`2: sync.shutdown_timeout: expected a duration`}},
		{"not a number", "sync:\n  history: lots\n", nil, []string{`2: sync.history: expected a whole number, got "lots"`}},
		{"history zero", "sync:\n  history: 0\n", nil, []string{"2: sync.history: 0: must be at least 1"}},
		{"negative jitter", "sync: {jitter: -1s}\n", nil, []string{"1: sync.jitter: -1s: must not be negative"}},
		{"bad log format and level, both reported", "log:\n  format: xml\n  level: loud\n", nil,
			[]string{`2: log.format: "xml" must be text or json`, `3: log.level: "loud" must be debug`}},
		{"bad listen", "http:\n  listen: localhost\n", nil, []string{"2: http.listen:"}},
		{"bad port", "http:\n  listen: localhost:99999\n", nil, []string{"2: http.listen: port"}},
		{"same file for store and sync state", "store: {path: a.db}\nsync_state: {path: ./a.db}\n", nil,
			[]string{"2: sync_state.path: must be a different file"}},
		{"duplicate connector name", head + "  - name: roster\n    type: static\n", nil,
			[]string{`4: connectors[1].name: "roster" is already the name of connectors[0] (line 2)`}},
		{"bad connector name", "connectors:\n  - name: Roster One\n    type: static\n", nil, []string{`2: connectors[0].name: "Roster One": must be`}},
		{"missing type", "connectors:\n  - name: roster\n", nil, []string{"2: connectors[0].type: is required"}},
		{"bad schedule", head + "    schedule: every hour\n", nil, []string{`4: connectors[0].schedule: "every hour" is not a schedule`}},
		{"six-field schedule", head + "    schedule: \"0 */5 * * * *\"\n", nil, []string{`4: connectors[0].schedule:`}},
		{"@every too short", head + "    schedule: \"@every 0s\"\n", nil, []string{`4: connectors[0].schedule: "@every 0s": @every needs`}},
		{"zone in the schedule", head + "    schedule: \"CRON_TZ=UTC 0 * * * *\"\n", nil, []string{`4: connectors[0].schedule:`, "time_zone"}},
		{"bad time zone", head + "    time_zone: Mars/Olympus\n", nil, []string{`4: connectors[0].time_zone: "Mars/Olympus" is not an IANA time zone`}},
		{"settings not a mapping", head + "    settings: people.csv\n", nil, []string{`4: connectors[0].settings: expected a mapping`}},
		{"bad role", head + "deployments:\n  - name: hs\n    connector: roster\n    license: abc\n    roles:\n      /Staff: boss\n", nil,
			[]string{`9: deployments[0].roles["/Staff"]: "boss" must be student, teacher or other`}},
		{"bad default role", head + "deployments:\n  - name: hs\n    connector: roster\n    license: abc\n    default_role: admin\n", nil,
			[]string{`8: deployments[0].default_role: "admin" must be`}},
		{"bad license id", head + "deployments:\n  - name: hs\n    connector: roster\n    license: ABC def\n", nil,
			[]string{`7: deployments[0].license: "ABC def": a license id`}},
		{"deletion percent over 100", head + "deployments:\n  - name: hs\n    connector: roster\n    license: abc\n    deletion_limit:\n      percent: 150\n      min: -1\n", nil,
			[]string{"9: deployments[0].deletion_limit.percent: 150: must be from 0 to 100", "10: deployments[0].deletion_limit.min: -1: must not be negative"}},
		{"empty unit", head + "deployments:\n  - name: hs\n    connector: roster\n    license: abc\n    units: [\"/a\", \"\"]\n", nil,
			[]string{"8: deployments[0].units[1]: must not be empty"}},
		{"duplicate deployment", head + "deployments:\n  - {name: hs, connector: roster, license: abc}\n  - {name: hs, connector: roster, license: abc}\n", nil,
			[]string{`6: deployments[1].name: "hs" is already the name of deployments[0] (line 5)`}},
		{"duplicate key", "log:\n  level: info\n  level: debug\n", nil, []string{"3: log.level: given twice (first at line 2)"}},
		{"list where a mapping belongs", "store:\n  - a\n", nil, []string{"2: store: expected a mapping"}},
		{"mapping where a list belongs", "connectors:\n  name: roster\n", nil, []string{"2: connectors: expected a list, got a mapping"}},
		{"mapping where a string belongs", head + "deployments:\n  - name: {a: b}\n    connector: roster\n    license: abc\n", nil,
			[]string{"5: deployments[0].name: expected a string, got a mapping"}},
		{"missing env var", "store:\n  path: ${ROLLCALL_DB}\n", nil, []string{"2: store.path: environment variable ROLLCALL_DB is not set"}},
		{"bad env syntax", "store:\n  path: ${ROLLCALL_DB\n", nil, []string{"2: store.path: unclosed ${"}},
		{"bad env name", "store:\n  path: ${1X}\n", nil, []string{`2: store.path: ${1X}: "1X" is not a variable name`}},
		{"missing env var in settings", head + "    settings:\n      token: ${CANVAS_TOKEN}\n", nil,
			[]string{"5: connectors[0].settings.token: environment variable CANVAS_TOKEN is not set"}},
		{"env value of the wrong type", "sync:\n  history: ${HIST}\n", map[string]string{"HIST": "many"}, []string{`2: sync.history: expected a whole number, got "many"`}},
		{"top level is a list", "- a\n- b\n", nil, []string{"1: expected a mapping of settings at the top"}},
		{"syntax error", "store:\n  path: [a\n", nil, []string{"rollcall.yaml:"}},
		{"two documents", "store: {path: a}\n---\nstore: {path: b}\n", nil, []string{"2: a second YAML document"}},
		{"errors from many places, all reported", "sync: {history: -1}\nlog: {level: x}\nconnectors:\n  - {name: A}\n", nil,
			[]string{"1: sync.history", "2: log.level", "4: connectors[0].name", "4: connectors[0].type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.src), "rollcall.yaml", envOf(tc.env))
			if err == nil {
				t.Fatalf("no error; parsed %+v", c)
			}
			if c != nil {
				t.Error("a config was returned with an error")
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, "rollcall.yaml:"+w) && !strings.Contains(msg, w) {
					t.Errorf("error does not name %q:\n%s", w, msg)
				}
				if strings.Contains(w, ": ") && !strings.Contains(msg, "rollcall.yaml:"+w) {
					t.Errorf("error does not name rollcall.yaml:%s:\n%s", w, msg)
				}
			}
			fieldErrs := Errors(err)
			if len(fieldErrs) == 0 {
				t.Fatalf("no *Error inside %v", err)
			}
			if n := len(strings.Split(msg, "\n")); n != countWithLine(tc.want) && countWithLine(tc.want) > 0 {
				t.Errorf("%d errors, want %d:\n%s", n, countWithLine(tc.want), msg)
			}
			for _, e := range fieldErrs {
				if e.File != "rollcall.yaml" {
					t.Errorf("error names file %q", e.File)
				}
			}
		})
	}
}

// countWithLine counts the expectations that are whole errors
// ("line: field: text"), not extra fragments of one.
func countWithLine(want []string) int {
	n := 0
	for _, w := range want {
		if len(w) > 0 && w[0] >= '0' && w[0] <= '9' {
			n++
		}
	}
	return n
}

func TestParseEnv(t *testing.T) {
	env := envOf(map[string]string{"DB": "/data/r.db", "PORT": "9100", "HIST": "12", "EMPTY": ""})
	src := `store: {path: "${DB}"}
http: {listen: "127.0.0.1:${PORT}"}
sync:
  history: ${HIST}
log: {level: "${LEVEL:-warn}", format: "${EMPTY:-json}"}
connectors:
  - name: roster
    type: static
    settings: {path: "$${literal}", note: "${EMPTY}", cost: "$5"}
`
	c, err := Parse([]byte(src), "r.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Path != "/data/r.db" || c.HTTP.Listen != "127.0.0.1:9100" || c.Sync.History != 12 ||
		c.Log.Level != "warn" || c.Log.Format != "json" {
		t.Errorf("expansion wrong: %+v %+v %+v %+v", c.Store, c.HTTP, c.Sync, c.Log)
	}
	var s struct {
		Path string `yaml:"path"`
		Note string `yaml:"note"`
		Cost string `yaml:"cost"`
	}
	if err := DecodeStrict(&c.Connectors[0].Settings, c.File, &s); err != nil {
		t.Fatal(err)
	}
	if s.Path != "${literal}" || s.Note != "" || s.Cost != "$5" {
		t.Errorf("settings = %+v", s)
	}
}

func TestExpand(t *testing.T) {
	env := envOf(map[string]string{"A": "x", "B": "", "NESTED": "${A}"})
	cases := []struct {
		in, want string
		err      bool
	}{
		{"plain", "plain", false},
		{"${A}", "x", false},
		{"pre-${A}-post-${A}", "pre-x-post-x", false},
		{"${B}", "", false},
		{"${B:-d}", "d", false},
		{"${MISSING:-d e f}", "d e f", false},
		{"${MISSING:-}", "", false},
		{"${NESTED}", "${A}", false}, // values are not expanded again
		{"$${A}", "${A}", false},
		{"$$${A}", "$${A}", false}, // left to right: $, then the escape
		{"$A", "$A", false},
		{"${MISSING}", "", true},
		{"${}", "", true},
		{"${A", "", true},
		{"${A-B}", "", true},
	}
	for _, tc := range cases {
		got, _, err := expand(tc.in, env)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("expand(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "rollcall.yaml")
	if err := os.WriteFile(p, []byte("store: {path: data/r.db}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Path != filepath.Join(dir, "data", "r.db") || c.SyncState.Path != filepath.Join(dir, "data", "syncstate.db") {
		t.Errorf("paths not resolved against the config folder: %q %q", c.Store.Path, c.SyncState.Path)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "---\n"} {
		c, err := Parse([]byte(src), "r.yaml", noEnv)
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		if c.Sync.History != DefaultHistory || len(c.Connectors) != 0 {
			t.Errorf("Parse(%q) did not fill defaults: %+v", src, c)
		}
	}
}

func TestExampleParses(t *testing.T) {
	c, err := Parse([]byte(Example()), "rollcall.yaml", noEnv)
	if err != nil {
		t.Fatalf("the example config does not parse:\n%v", err)
	}
	if len(c.Connectors) == 0 || len(c.Deployments) < 2 {
		t.Fatalf("example lost its connectors or deployments: %+v", c)
	}
	if c.Sync.Jitter != 30*time.Second || c.Deployments[1].Schedule == "" {
		t.Errorf("example values not read: %+v", c.Sync)
	}
	// Complete: every key of the schema appears in the example.
	for _, key := range []string{"store:", "sync_state:", "http:", "listen:", "log:", "format:", "level:", "sync:",
		"history:", "jitter:", "batch_size:", "shutdown_timeout:", "connectors:", "type:", "schedule:", "time_zone:",
		"settings:", "deployments:", "connector:", "license:", "units:", "roles:", "default_role:", "options:",
		"deletion_limit:", "percent:", "min:"} {
		if !strings.Contains(Example(), key) {
			t.Errorf("example lacks %s", key)
		}
	}
}
