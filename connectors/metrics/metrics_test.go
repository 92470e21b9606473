package metrics_test

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// contract is the metric set alert rules and dashboards are written
// against: name → label names, sorted. It is the specification, kept by
// hand on purpose; Names is derived from the code.
var contract = map[string][]string{
	"rollcall_sync_runs_total":                       {"connector", "deployment", "result"},
	"rollcall_sync_run_duration_seconds":             {"deployment"},
	"rollcall_sync_last_success_timestamp_seconds":   {"deployment"},
	"rollcall_sync_last_attempt_timestamp_seconds":   {"deployment"},
	"rollcall_sync_interval_seconds":                 {"deployment"},
	"rollcall_sync_changes_total":                    {"action", "deployment"},
	"rollcall_sync_desired_members":                  {"deployment"},
	"rollcall_sync_overflow_members":                 {"deployment"},
	"rollcall_sync_skipped_people":                   {"deployment"},
	"rollcall_sync_pending_approvals":                {"deployment"},
	"rollcall_sync_pending_oldest_timestamp_seconds": {"deployment"},
	"rollcall_sync_quarantined":                      {"deployment"},
	"rollcall_upstream_requests_total":               {"code", "connector"},
	"rollcall_upstream_retries_total":                {"connector", "reason"},
	"rollcall_upstream_rate_limited_total":           {"connector"},
	"rollcall_license_seats":                         {"license"},
	"rollcall_license_seats_used":                    {"license"},
	"rollcall_build_info":                            {"goversion", "version"},
	"rollcall_replica_leases":                        {"deployment", "replica"},
	"rollcall_replica_info":                          {"replica"},
}

// series finds one series in a gather of reg; nil if absent.
func series(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; !ok || v != lp.GetValue() {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

// value is the counter or gauge value of a series; it fails the test when
// the series is absent.
func value(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	m := series(t, reg, name, labels)
	switch {
	case m == nil:
		t.Fatalf("%s%v: no such series", name, labels)
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("%s%v: neither counter nor gauge", name, labels)
	return 0
}

type runCall struct {
	dep, conn string
	result    syncstate.Result
	dur       time.Duration
	counts    syncstate.Counts
}

func TestRunFinished(t *testing.T) {
	calls := []runCall{
		{"hs", "gdir", syncstate.ResultSuccess, 3 * time.Second, syncstate.Counts{Added: 10, Updated: 2, Removed: 1, Desired: 500}},
		{"hs", "gdir", syncstate.ResultSuccess, 90 * time.Second, syncstate.Counts{Added: 1}},
		{"hs", "gdir", syncstate.ResultFailed, 500 * time.Millisecond, syncstate.Counts{}},
		{"hs", "gdir", syncstate.ResultSkipped, 0, syncstate.Counts{}},
		{"hs", "gdir", syncstate.ResultHeld, 40 * time.Minute, syncstate.Counts{Added: 4, Updated: 3, HeldRemovals: 90}},
		{"ms", "canvas", syncstate.ResultSuccess, 200 * time.Millisecond, syncstate.Counts{Removed: 7}},
		{"ms", "canvas", syncstate.ResultSkipped, time.Hour, syncstate.Counts{}},
	}
	reg := prometheus.NewPedanticRegistry()
	m := metrics.New(reg)
	m.InitDeployment("hs", "gdir")
	m.InitDeployment("ms", "canvas")
	for _, c := range calls {
		m.RunFinished(c.dep, c.conn, string(c.result), c.dur, c.counts)
	}

	// The model: what calls say each series must hold.
	type runKey struct{ dep, conn, result string }
	runs := map[runKey]float64{}
	changes := map[[2]string]float64{}
	observed := map[string]uint64{}
	sum := map[string]float64{}
	for _, c := range calls {
		runs[runKey{c.dep, c.conn, string(c.result)}]++
		changes[[2]string{c.dep, "add"}] += float64(c.counts.Added)
		changes[[2]string{c.dep, "update"}] += float64(c.counts.Updated)
		changes[[2]string{c.dep, "remove"}] += float64(c.counts.Removed)
		if c.result != syncstate.ResultSkipped {
			observed[c.dep]++
			sum[c.dep] += c.dur.Seconds()
		}
	}
	for _, dc := range [][2]string{{"hs", "gdir"}, {"ms", "canvas"}} {
		for _, r := range []syncstate.Result{syncstate.ResultSuccess, syncstate.ResultFailed, syncstate.ResultSkipped, syncstate.ResultHeld} {
			want := runs[runKey{dc[0], dc[1], string(r)}]
			if got := value(t, reg, "rollcall_sync_runs_total", map[string]string{"deployment": dc[0], "connector": dc[1], "result": string(r)}); got != want {
				t.Errorf("runs_total{%s,%s,%s} = %v, want %v", dc[0], dc[1], r, got, want)
			}
		}
		for _, a := range []string{"add", "update", "remove"} {
			want := changes[[2]string{dc[0], a}]
			if got := value(t, reg, "rollcall_sync_changes_total", map[string]string{"deployment": dc[0], "action": a}); got != want {
				t.Errorf("changes_total{%s,%s} = %v, want %v", dc[0], a, got, want)
			}
		}
		h := series(t, reg, "rollcall_sync_run_duration_seconds", map[string]string{"deployment": dc[0]}).GetHistogram()
		if h.GetSampleCount() != observed[dc[0]] || h.GetSampleSum() != sum[dc[0]] {
			t.Errorf("duration{%s}: %d samples summing %v, want %d summing %v", dc[0], h.GetSampleCount(), h.GetSampleSum(), observed[dc[0]], sum[dc[0]])
		}
		// The buckets must span 0.1 s to an hour.
		b := h.GetBucket()
		if b[0].GetUpperBound() > 0.1 || b[len(b)-1].GetUpperBound() < 3600 {
			t.Errorf("duration buckets span %v..%v, want 0.1..3600", b[0].GetUpperBound(), b[len(b)-1].GetUpperBound())
		}
	}
}

func TestGauges(t *testing.T) {
	t1 := time.Date(2026, 4, 1, 7, 30, 0, 250_000_000, time.UTC)
	t2 := t1.Add(90 * time.Minute)
	tests := []struct {
		name   string
		call   func(m *metrics.Metrics)
		metric string
		labels map[string]string
		want   float64
	}{
		{"attempt", func(m *metrics.Metrics) { m.Attempt("hs", t1) }, "rollcall_sync_last_attempt_timestamp_seconds", dep("hs"), float64(t1.UnixMilli()) / 1e3},
		{"later attempt wins", func(m *metrics.Metrics) { m.Attempt("hs", t1); m.Attempt("hs", t2) }, "rollcall_sync_last_attempt_timestamp_seconds", dep("hs"), float64(t2.UnixMilli()) / 1e3},
		{"success", func(m *metrics.Metrics) { m.Success("hs", t2) }, "rollcall_sync_last_success_timestamp_seconds", dep("hs"), float64(t2.UnixMilli()) / 1e3},
		{"interval", func(m *metrics.Metrics) { m.SetInterval("hs", 15*time.Minute) }, "rollcall_sync_interval_seconds", dep("hs"), 900},
		{"desired", func(m *metrics.Metrics) { m.SetDesired("hs", 1234) }, "rollcall_sync_desired_members", dep("hs"), 1234},
		{"overflow", func(m *metrics.Metrics) { m.SetOverflow("hs", 17) }, "rollcall_sync_overflow_members", dep("hs"), 17},
		{"overflow back to 0", func(m *metrics.Metrics) { m.SetOverflow("hs", 17); m.SetOverflow("hs", 0) }, "rollcall_sync_overflow_members", dep("hs"), 0},
		{"skipped people", func(m *metrics.Metrics) { m.SetSkippedPeople("hs", 3) }, "rollcall_sync_skipped_people", dep("hs"), 3},
		{"pending", func(m *metrics.Metrics) { m.SetPending("hs", 2, t1) }, "rollcall_sync_pending_approvals", dep("hs"), 2},
		{"pending oldest", func(m *metrics.Metrics) { m.SetPending("hs", 2, t1) }, "rollcall_sync_pending_oldest_timestamp_seconds", dep("hs"), float64(t1.UnixMilli()) / 1e3},
		{"pending oldest 0 when none", func(m *metrics.Metrics) { m.SetPending("hs", 2, t1); m.SetPending("hs", 0, t1) }, "rollcall_sync_pending_oldest_timestamp_seconds", dep("hs"), 0},
		{"quarantined", func(m *metrics.Metrics) { m.SetQuarantined("hs", true) }, "rollcall_sync_quarantined", dep("hs"), 1},
		{"quarantine ended", func(m *metrics.Metrics) { m.SetQuarantined("hs", true); m.SetQuarantined("hs", false) }, "rollcall_sync_quarantined", dep("hs"), 0},
		{"lease held", func(m *metrics.Metrics) { m.SetLease("hs", "r1", true) }, "rollcall_replica_leases", map[string]string{"deployment": "hs", "replica": "r1"}, 1},
		{"lease let go", func(m *metrics.Metrics) { m.SetLease("hs", "r1", true); m.SetLease("hs", "r1", false) }, "rollcall_replica_leases", map[string]string{"deployment": "hs", "replica": "r1"}, 0},
		{"replica", func(m *metrics.Metrics) { m.SetReplica("old"); m.SetReplica("r2") }, "rollcall_replica_info", map[string]string{"replica": "r2"}, 1},
		{"seats", func(m *metrics.Metrics) { m.LicenseSeats("lic-1", 500, 480) }, "rollcall_license_seats", map[string]string{"license": "lic-1"}, 500},
		{"seats used", func(m *metrics.Metrics) { m.LicenseSeats("lic-1", 500, 480) }, "rollcall_license_seats_used", map[string]string{"license": "lic-1"}, 480},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			m := metrics.New(reg)
			tt.call(m)
			if got := value(t, reg, tt.metric, tt.labels); got != tt.want {
				t.Errorf("%s%v = %v, want %v", tt.metric, tt.labels, got, tt.want)
			}
		})
	}
}

func dep(name string) map[string]string { return map[string]string{"deployment": name} }

func TestUpstream(t *testing.T) {
	type req struct {
		conn string
		code int
	}
	type retry struct{ conn, reason string }
	reqs := []req{{"gdir", 200}, {"gdir", 200}, {"gdir", 429}, {"gdir", 503}, {"gdir", 0}, {"canvas", 200}, {"canvas", -1}}
	retries := []retry{{"gdir", "rate_limit"}, {"gdir", "rate_limit"}, {"gdir", "server_error"}, {"gdir", "network"}, {"canvas", "typo"}, {"canvas", "rate_limit"}}

	reg := prometheus.NewPedanticRegistry()
	m := metrics.New(reg)
	m.InitConnector("gdir")
	m.InitConnector("canvas")
	for _, r := range reqs {
		m.Request(r.conn, r.code)
	}
	for _, r := range retries {
		m.Retry(r.conn, r.reason)
	}

	wantReq := map[req]float64{}
	for _, r := range reqs {
		wantReq[req{r.conn, max(r.code, 0)}]++
	}
	for r, want := range wantReq {
		if got := value(t, reg, "rollcall_upstream_requests_total", map[string]string{"connector": r.conn, "code": strconv.Itoa(r.code)}); got != want {
			t.Errorf("requests_total{%s,%d} = %v, want %v", r.conn, r.code, got, want)
		}
	}
	known := map[string]bool{"rate_limit": true, "server_error": true, "network": true}
	wantRetry := map[retry]float64{}
	wantLimited := map[string]float64{}
	for _, r := range retries {
		reason := r.reason
		if !known[reason] {
			reason = "other"
		}
		wantRetry[retry{r.conn, reason}]++
		if reason == "rate_limit" {
			wantLimited[r.conn]++
		}
	}
	for _, conn := range []string{"gdir", "canvas"} {
		for _, reason := range []string{"rate_limit", "server_error", "network"} {
			if got, want := value(t, reg, "rollcall_upstream_retries_total", map[string]string{"connector": conn, "reason": reason}), wantRetry[retry{conn, reason}]; got != want {
				t.Errorf("retries_total{%s,%s} = %v, want %v", conn, reason, got, want)
			}
		}
		if got := value(t, reg, "rollcall_upstream_rate_limited_total", map[string]string{"connector": conn}); got != wantLimited[conn] {
			t.Errorf("rate_limited_total{%s} = %v, want %v", conn, got, wantLimited[conn])
		}
	}
	if got := value(t, reg, "rollcall_upstream_retries_total", map[string]string{"connector": "canvas", "reason": "other"}); got != 1 {
		t.Errorf("an unknown reason counted as other %v times, want 1", got)
	}
	if s := series(t, reg, "rollcall_upstream_retries_total", map[string]string{"connector": "canvas", "reason": "typo"}); s != nil {
		t.Error("an unknown reason became a label value")
	}
}

// populate calls every method for two deployments, two licenses and two
// connectors.
func populate(m *metrics.Metrics) {
	now := time.Date(2026, 4, 1, 7, 0, 0, 0, time.UTC)
	for i, d := range []string{"hs", "ms"} {
		m.InitDeployment(d, "gdir")
		m.RunFinished(d, "gdir", "success", time.Duration(i+1)*time.Second, syncstate.Counts{Added: 2, Updated: 1, Removed: 1})
		m.Attempt(d, now)
		m.Success(d, now)
		m.SetInterval(d, time.Hour)
		m.SetDesired(d, 10)
		m.SetOverflow(d, 1)
		m.SetSkippedPeople(d, 1)
		m.SetPending(d, 1, now)
		m.SetLease(d, "replica-1", true)
	}
	m.SetReplica("replica-1")
	m.LicenseSeats("lic-1", 10, 5)
	m.LicenseSeats("lic-2", 10, 5)
	m.Request("gdir", 200)
	m.Retry("gdir", "rate_limit")
}

func TestForget(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := metrics.New(reg)
	populate(m)
	m.ForgetDeployment("hs")
	m.ForgetLicense("lic-1")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]int{}
	for _, mf := range mfs {
		for _, s := range mf.GetMetric() {
			for _, lp := range s.GetLabel() {
				if lp.GetName() == "deployment" || lp.GetName() == "license" {
					kept[lp.GetValue()]++
				}
				if (lp.GetName() == "deployment" && lp.GetValue() == "hs") || (lp.GetName() == "license" && lp.GetValue() == "lic-1") {
					t.Errorf("%s still has a series for %s", mf.GetName(), lp.GetValue())
				}
			}
		}
	}
	if kept["ms"] == 0 || kept["lic-2"] == 0 {
		t.Errorf("forgetting hs and lic-1 also dropped ms or lic-2: %v", kept)
	}
	if got := value(t, reg, "rollcall_sync_runs_total", map[string]string{"deployment": "ms", "connector": "gdir", "result": "success"}); got != 1 {
		t.Errorf("ms runs after forgetting hs = %v, want 1", got)
	}
}

// TestContract checks the families against the names and labels alert rules
// use, and lints them as promtool check metrics does.
func TestContract(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := metrics.New(reg)
	populate(m)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, mf := range mfs {
		var labels []string
		for _, lp := range mf.GetMetric()[0].GetLabel() {
			labels = append(labels, lp.GetName())
		}
		slices.Sort(labels)
		got[mf.GetName()] = labels
		if mf.GetHelp() == "" {
			t.Errorf("%s has no help", mf.GetName())
		}
	}
	if !maps.EqualFunc(got, contract, slices.Equal) {
		t.Errorf("families = %v\nwant %v", got, contract)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	if v := value(t, reg, "rollcall_build_info", map[string]string{"version": buildVersion(t, mfs), "goversion": goVersion(t, mfs)}); v != 1 {
		t.Errorf("build_info = %v, want 1", v)
	}
}

func buildVersion(t *testing.T, mfs []*dto.MetricFamily) string { return buildLabel(t, mfs, "version") }
func goVersion(t *testing.T, mfs []*dto.MetricFamily) string    { return buildLabel(t, mfs, "goversion") }

func buildLabel(t *testing.T, mfs []*dto.MetricFamily, name string) string {
	t.Helper()
	for _, mf := range mfs {
		if mf.GetName() == "rollcall_build_info" {
			for _, lp := range mf.GetMetric()[0].GetLabel() {
				if lp.GetName() == name {
					return lp.GetValue()
				}
			}
		}
	}
	t.Fatalf("rollcall_build_info has no %s label", name)
	return ""
}

func TestSetVersion(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := metrics.New(reg)
	m.SetVersion("v1.2.3")
	mf, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var infos []string
	for _, f := range mf {
		if f.GetName() == "rollcall_build_info" {
			for _, s := range f.GetMetric() {
				for _, lp := range s.GetLabel() {
					if lp.GetName() == "version" {
						infos = append(infos, lp.GetValue())
					}
				}
			}
		}
	}
	if !slices.Equal(infos, []string{"v1.2.3"}) {
		t.Errorf("build_info versions after SetVersion = %v, want only v1.2.3", infos)
	}
	if !strings.HasPrefix(goVersion(t, mf), "go") {
		t.Errorf("goversion label %q", goVersion(t, mf))
	}
}

// TestNames checks Names against the registered descriptions: every metric
// Metrics describes must be named, and nothing else.
func TestNames(t *testing.T) {
	m := metrics.New(nil)
	ch := make(chan *prometheus.Desc, 64)
	m.Describe(ch)
	close(ch)
	var described int
	for d := range ch {
		described++
		if s := d.String(); !containsAny(s, metrics.Names()) {
			t.Errorf("described %s is not in Names", s)
		}
	}
	names := metrics.Names()
	if len(names) != described {
		t.Errorf("Names has %d names, Describe %d descriptions", len(names), described)
	}
	if want := slices.Sorted(maps.Keys(contract)); !slices.Equal(names, want) {
		t.Errorf("Names = %v\nwant %v", names, want)
	}
}

func containsAny(s string, names []string) bool {
	for _, n := range names {
		if strings.Contains(s, `"`+n+`"`) {
			return true
		}
	}
	return false
}

func TestNilRegisterer(t *testing.T) {
	m := metrics.New(nil)
	populate(m) // must not panic
	if n, want := testutil.CollectAndCount(m, "rollcall_sync_runs_total"), 2*len(syncstate.Results); n != want {
		t.Errorf("unregistered Metrics holds %d run series, want %d (2 deployments × %d results)", n, want, len(syncstate.Results))
	}
}
