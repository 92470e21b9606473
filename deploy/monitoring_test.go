package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// exportedMetrics is every metric name (with its labels) that the rules and
// the dashboard may query: what the rollcall binary exports, plus "up",
// which Prometheus adds to every target.
//
// TestExportedMetricsMatchRunningBinary (scrape_test.go) holds this list
// equal to what a running rollcall exports, names, types and labels, so a
// metric renamed in the binary fails the rule and dashboard checks.
var exportedMetrics = map[string]struct {
	kind   string // counter, gauge or histogram
	labels []string
}{
	"rollcall_sync_runs_total":                       {"counter", []string{"deployment", "connector", "result"}},
	"rollcall_sync_run_duration_seconds":             {"histogram", []string{"deployment"}},
	"rollcall_sync_last_success_timestamp_seconds":   {"gauge", []string{"deployment"}},
	"rollcall_sync_last_attempt_timestamp_seconds":   {"gauge", []string{"deployment"}},
	"rollcall_sync_interval_seconds":                 {"gauge", []string{"deployment"}},
	"rollcall_sync_changes_total":                    {"counter", []string{"deployment", "action"}},
	"rollcall_sync_desired_members":                  {"gauge", []string{"deployment"}},
	"rollcall_sync_overflow_members":                 {"gauge", []string{"deployment"}},
	"rollcall_sync_skipped_people":                   {"gauge", []string{"deployment"}},
	"rollcall_sync_pending_approvals":                {"gauge", []string{"deployment"}},
	"rollcall_sync_pending_oldest_timestamp_seconds": {"gauge", []string{"deployment"}},
	"rollcall_sync_quarantined":                      {"gauge", []string{"deployment"}},
	"rollcall_upstream_requests_total":               {"counter", []string{"connector", "code"}},
	"rollcall_upstream_retries_total":                {"counter", []string{"connector", "reason"}},
	"rollcall_upstream_rate_limited_total":           {"counter", []string{"connector"}},
	"rollcall_license_seats":                         {"gauge", []string{"license"}},
	"rollcall_license_seats_used":                    {"gauge", []string{"license"}},
	"rollcall_build_info":                            {"gauge", []string{"version", "goversion"}},
	"up":                                             {"gauge", nil},
}

// targetLabels are attached by Prometheus (and the Prometheus Operator) to
// every scraped series, so any query may match or group on them.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "endpoint", "container"}

// seriesLabels returns the labels a series of the named metric can carry,
// and whether the name is exported at all (histograms export _bucket, _sum
// and _count series; _bucket adds le).
func seriesLabels(name string) ([]string, bool) {
	if m, ok := exportedMetrics[name]; ok && m.kind != "histogram" {
		return slices.Concat(m.labels, targetLabels), true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if m, found := exportedMetrics[base]; ok && found && m.kind == "histogram" {
			labels := slices.Concat(m.labels, targetLabels)
			if suffix == "_bucket" {
				labels = append(labels, "le")
			}
			return labels, true
		}
	}
	return nil, false
}

var (
	selectorRE = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}`)
	matcherRE  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)`)
	groupingRE = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
)

// checkQuery returns one error per problem with a query: a metric that is
// neither exported nor recorded, a label matcher on a label the metric does
// not have, a grouping on a label no metric has.
func checkQuery(expr string, recorded map[string]bool) []error {
	names, err := promqlSelectorNames(expr)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, n := range names {
		if _, ok := seriesLabels(n); !ok && !recorded[n] {
			errs = append(errs, fmt.Errorf("metric %q is not one rollcall exports", n))
		}
	}
	for _, m := range selectorRE.FindAllStringSubmatch(expr, -1) {
		labels, ok := seriesLabels(m[1])
		if !ok {
			continue // a recorded or unknown name; reported above
		}
		for _, lm := range matcherRE.FindAllStringSubmatch(m[2], -1) {
			if !slices.Contains(labels, lm[1]) {
				errs = append(errs, fmt.Errorf("%s has no label %q", m[1], lm[1]))
			}
		}
	}
	var known []string
	for name := range exportedMetrics {
		l, _ := seriesLabels(name)
		known = append(known, l...)
	}
	known = append(known, "le")
	for _, g := range groupingRE.FindAllStringSubmatch(expr, -1) {
		for l := range strings.SplitSeq(g[2], ",") {
			if l = strings.TrimSpace(l); l != "" && !slices.Contains(known, l) {
				errs = append(errs, fmt.Errorf("%s (%s): no exported metric has label %q", g[1], g[2], l))
			}
		}
	}
	return errs
}

type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Record        string            `yaml:"record"`
			Alert         string            `yaml:"alert"`
			Expr          string            `yaml:"expr"`
			For           string            `yaml:"for"`
			KeepFiringFor string            `yaml:"keep_firing_for"`
			Labels        map[string]string `yaml:"labels"`
			Annotations   map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readRules(t *testing.T) ruleFile {
	t.Helper()
	raw, err := os.ReadFile("prometheus/rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("prometheus/rules.yml: %v", err)
	}
	return rf
}

// recordedNames are the series the recording rules of rules.yml write.
func recordedNames(rf ruleFile) map[string]bool {
	out := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				out[r.Record] = true
			}
		}
	}
	return out
}

// readmeAnchors returns the anchors GitHub gives the headings of a Markdown
// file: lower case, punctuation dropped, spaces as hyphens.
func readmeAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anchors := map[string]bool{}
	inFence := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				b.WriteRune(r)
			}
		}
		anchors[b.String()] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return anchors
}

func TestAlertRules(t *testing.T) {
	rf := readRules(t)
	recorded := recordedNames(rf)
	anchors := readmeAnchors(t, "README.md")

	want := []string{
		"RollcallSyncStale", "RollcallSyncFailing", "RollcallPlanAwaitingApproval",
		"RollcallLicenseNearlyFull", "RollcallLicenseFull", "RollcallSeatOverflow",
		"RollcallUpstreamRateLimited", "RollcallDown",
		"RollcallSyncQuarantined", "RollcallSyncHeld", "RollcallSyncGuarded", "RollcallSyncInterrupted",
	}
	var found []string
	for _, g := range rf.Groups {
		recordedSoFar := map[string]bool{}
		for i, r := range g.Rules {
			where := fmt.Sprintf("group %s, rule %d (%s%s)", g.Name, i+1, r.Record, r.Alert)
			if (r.Record == "") == (r.Alert == "") {
				t.Errorf("%s: want exactly one of record and alert", where)
			}
			for _, err := range checkQuery(r.Expr, recorded) {
				t.Errorf("%s: %v", where, err)
			}
			// A recorded series read in the same group must be recorded
			// earlier in it: that is what makes the alert see this
			// evaluation's value (see the comment at the top of rules.yml).
			names, _ := promqlSelectorNames(r.Expr)
			for _, n := range names {
				if recorded[n] && !recordedSoFar[n] {
					t.Errorf("%s: reads %s before (or outside) the group that records it", where, n)
				}
			}
			if r.Record != "" {
				recordedSoFar[r.Record] = true
				if strings.Count(r.Record, ":") != 2 {
					t.Errorf("%s: recording rule name %q is not level:metric:operations", where, r.Record)
				}
				continue
			}
			if !slices.Contains(found, r.Alert) {
				found = append(found, r.Alert)
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", where, s)
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: annotation %s is empty", where, a)
				}
			}
			u, err := url.Parse(r.Annotations["runbook_url"])
			if err != nil {
				t.Errorf("%s: runbook_url: %v", where, err)
				continue
			}
			if !strings.HasSuffix(u.Path, "deploy/README.md") || u.Fragment != strings.ToLower(r.Alert) {
				t.Errorf("%s: runbook_url %q, want deploy/README.md#%s", where, u, strings.ToLower(r.Alert))
			}
			if !anchors[u.Fragment] {
				t.Errorf("%s: runbook_url anchor #%s has no heading in README.md", where, u.Fragment)
			}
		}
	}
	slices.Sort(found)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Errorf("alerts %q, want %q", found, want)
	}
}

type grafanaPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // of a collapsed row
}

type grafanaDashboard struct {
	UID        string         `json:"uid"`
	Title      string         `json:"title"`
	Panels     []grafanaPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

var (
	labelValuesRE = regexp.MustCompile(`^label_values\(\s*(.+?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$`)
	variableRE    = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
)

func TestGrafanaDashboard(t *testing.T) {
	const path = "grafana/rollcall.json"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("%s: uid %q and title %q must be set for provisioning", path, d.UID, d.Title)
	}
	recorded := recordedNames(readRules(t))

	// Variables: deployment and license come from label_values of an
	// exported metric that carries that label.
	defined := map[string]bool{}
	for _, v := range d.Templating.List {
		defined[v.Name] = true
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			if err := json.Unmarshal(v.Query, &q.Query); err != nil {
				t.Errorf("variable %s: query is neither an object nor a string: %v", v.Name, err)
				continue
			}
		}
		m := labelValuesRE.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, q.Query)
			continue
		}
		for _, err := range checkQuery(m[1], recorded) {
			t.Errorf("variable %s: %v", v.Name, err)
		}
		if labels, _ := seriesLabels(m[1]); !slices.Contains(labels, m[2]) {
			t.Errorf("variable %s: %s has no label %q", v.Name, m[1], m[2])
		}
	}
	for _, name := range []string{"datasource", "deployment", "license"} {
		if !defined[name] {
			t.Errorf("no template variable %q", name)
		}
	}

	var panels []grafanaPanel
	for _, p := range d.Panels {
		panels = append(panels, p)
		panels = append(panels, p.Panels...)
	}
	ids := map[int]string{}
	queried := 0
	for _, p := range panels {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if prev, dup := ids[p.ID]; dup {
			t.Errorf("%s: id also used by %q", where, prev)
		}
		ids[p.ID] = p.Title
		if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("%s: gridPos %+v is outside the 24-column grid", where, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("%s: datasource must be ${datasource}, so any Prometheus can be chosen", where)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: has no query", where)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("%s, query %s: empty expr", where, tg.RefID)
				continue
			}
			queried++
			for _, err := range checkQuery(tg.Expr, recorded) {
				t.Errorf("%s, query %s: %v", where, tg.RefID, err)
			}
			for _, v := range variableRE.FindAllStringSubmatch(tg.Expr, -1) {
				if !defined[v[1]] && !strings.HasPrefix(v[1], "__") {
					t.Errorf("%s, query %s: variable $%s is not defined", where, tg.RefID, v[1])
				}
			}
		}
	}
	if queried == 0 {
		t.Fatalf("%s: no queries found", path)
	}
}

// TestExportedMetricsUsed keeps the dashboard and the rules in step with
// the metric list: a metric the binary exports that nothing shows or alerts
// on is either dead or forgotten.
func TestExportedMetricsUsed(t *testing.T) {
	rf := readRules(t)
	var exprs []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	raw, err := os.ReadFile("grafana/rollcall.json")
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	used := map[string]bool{}
	for _, e := range exprs {
		names, err := promqlSelectorNames(e)
		if err != nil {
			t.Fatalf("%q: %v", e, err)
		}
		for _, n := range names {
			used[n] = true
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(n, suffix); ok {
					used[base] = true
				}
			}
		}
	}
	for name := range exportedMetrics {
		if !used[name] {
			t.Errorf("%s is exported but neither the rules nor the dashboard use it", name)
		}
	}
}

func TestCheckQuery(t *testing.T) {
	recorded := map[string]bool{"deployment:x:ratio": true}
	tests := []struct {
		expr     string
		problems int
	}{
		{`sum by (deployment, result) (rate(rollcall_sync_runs_total{result="failed"}[5m]))`, 0},
		{`histogram_quantile(0.9, sum by (le) (rate(rollcall_sync_run_duration_seconds_bucket[1h])))`, 0},
		{`deployment:x:ratio > 3`, 0},
		{`up{job="rollcall", instance="a"} == 0`, 0},
		{`rollcall_sync_run_total`, 1},                             // misspelt name
		{`rollcall_sync_run_duration_seconds`, 1},                  // a histogram has no plain series
		{`rollcall_sync_runs_total{results="failed"}`, 1},          // no such label
		{`rollcall_license_seats_used{le="1"}`, 1},                 // le only on _bucket
		{`sum by (deploymnet) (rollcall_sync_desired_members)`, 1}, // grouping typo
		{`deployment:y:ratio`, 1},                                  // not recorded
		{`rollcall_sync_runs_total{result="x"`, 1},                 // unparsable
	}
	for _, tt := range tests {
		if got := checkQuery(tt.expr, recorded); len(got) != tt.problems {
			t.Errorf("checkQuery(%q) = %v, want %d problem(s)", tt.expr, got, tt.problems)
		}
	}
}

func TestGrafanaProvisioning(t *testing.T) {
	for _, path := range []string{
		"grafana/provisioning/dashboards/rollcall.yaml",
		"grafana/provisioning/datasources/prometheus.example.yaml",
	} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			APIVersion  int              `yaml:"apiVersion"`
			Providers   []map[string]any `yaml:"providers"`
			Datasources []map[string]any `yaml:"datasources"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&p); err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if p.APIVersion != 1 || len(p.Providers)+len(p.Datasources) != 1 {
			t.Errorf("%s: want apiVersion 1 and one provider or data source", path)
		}
	}
}
