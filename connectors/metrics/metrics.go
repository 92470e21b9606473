package metrics

import (
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

const namespace = "rollcall"

// Label values of the fixed sets.
var (
	results = resultLabels()
	actions = []string{ActionAdd, ActionUpdate, ActionRemove}
	reasons = []string{ReasonRateLimit, ReasonServerError, ReasonNetwork}
)

func resultLabels() []string {
	out := make([]string, len(syncstate.Results))
	for i, r := range syncstate.Results {
		out[i] = string(r)
	}
	return out
}

// Actions of rollcall_sync_changes_total.
const (
	ActionAdd    = "add"
	ActionUpdate = "update"
	ActionRemove = "remove"
)

// Reasons of rollcall_upstream_retries_total. A connector passing anything
// else is counted as ReasonOther, so a typo cannot grow the label set.
const (
	ReasonRateLimit   = "rate_limit"
	ReasonServerError = "server_error"
	ReasonNetwork     = "network"
	ReasonOther       = "other"
)

// DurationBuckets of rollcall_sync_run_duration_seconds: from a small static
// file (0.1 s) to a district-wide first sync (an hour), about two per decade
// more where syncs usually land (seconds to minutes).
var DurationBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// Metrics holds every collector. Its methods are safe for concurrent use.
type Metrics struct {
	runs          *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	lastSuccess   *prometheus.GaugeVec
	lastAttempt   *prometheus.GaugeVec
	interval      *prometheus.GaugeVec
	changes       *prometheus.CounterVec
	desired       *prometheus.GaugeVec
	overflow      *prometheus.GaugeVec
	skipped       *prometheus.GaugeVec
	pending       *prometheus.GaugeVec
	pendingOldest *prometheus.GaugeVec
	quarantined   *prometheus.GaugeVec
	upRequests    *prometheus.CounterVec
	upRetries     *prometheus.CounterVec
	upRateLimited *prometheus.CounterVec
	seats         *prometheus.GaugeVec
	seatsUsed     *prometheus.GaugeVec
	build         *prometheus.GaugeVec
	leases        *prometheus.GaugeVec
	replica       *prometheus.GaugeVec

	all []prometheus.Collector
	// byDeployment and byLicense are the vectors ForgetDeployment and
	// ForgetLicense clear.
	byDeployment []*prometheus.MetricVec
	byLicense    []*prometheus.MetricVec
}

var (
	_ connectors.UpstreamObserver = (*Metrics)(nil)
	_ prometheus.Collector        = (*Metrics)(nil)
)

// New builds the collectors and registers them, as one collector, with reg.
// A nil reg registers nothing (tools and tests that need no scrape).
// Registering two Metrics with one registry panics, as that is a wiring
// mistake found the first time the program starts.
func New(reg prometheus.Registerer) *Metrics {
	counter := func(sub, name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: sub, Name: name, Help: help}, labels)
	}
	gauge := func(sub, name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: sub, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		runs: counter("sync", "runs_total",
			"Sync runs finished, by deployment, connector and result (success, held, guarded, failed, skipped, interrupted).",
			"deployment", "connector", "result"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "sync", Name: "run_duration_seconds",
			Help:    "Wall time of sync runs that ran (skipped runs are not observed).",
			Buckets: DurationBuckets,
		}, []string{"deployment"}),
		lastSuccess: gauge("sync", "last_success_timestamp_seconds",
			"Unix time the deployment's last successful (or held) sync ended.", "deployment"),
		lastAttempt: gauge("sync", "last_attempt_timestamp_seconds",
			"Unix time the deployment's last sync started, whatever its result.", "deployment"),
		interval: gauge("sync", "interval_seconds",
			"The deployment's schedule interval (for a cron spec, the gap between its next two firings).", "deployment"),
		changes: counter("sync", "changes_total",
			"Claim changes applied to the store by syncs, by action (add, update, remove).", "deployment", "action"),
		desired: gauge("sync", "desired_members",
			"People the source named for the deployment in its last successful read.", "deployment"),
		overflow: gauge("sync", "overflow_members",
			"Adds of the deployment's last run that did not fit the license's seats.", "deployment"),
		skipped: gauge("sync", "skipped_people",
			"People of the deployment's last run skipped for lack of a usable email.", "deployment"),
		pending: gauge("sync", "pending_approvals",
			"Plans of the deployment whose removals await an admin's approval.", "deployment"),
		pendingOldest: gauge("sync", "pending_oldest_timestamp_seconds",
			"Unix time the deployment's oldest plan awaiting approval was made; 0 when none.", "deployment"),
		quarantined: gauge("sync", "quarantined",
			"1 while the deployment is quarantined after repeated failures or a credential error, else 0.", "deployment"),
		upRequests: counter("upstream", "requests_total",
			"Requests to vendor APIs, by connector and HTTP status code (0: no response).", "connector", "code"),
		upRetries: counter("upstream", "retries_total",
			"Requests to vendor APIs retried, by connector and reason (rate_limit, server_error, network, other).", "connector", "reason"),
		upRateLimited: counter("upstream", "rate_limited_total",
			"Requests to vendor APIs answered with a rate limit and retried.", "connector"),
		seats: gauge("license", "seats",
			"Seats the license has.", "license"),
		seatsUsed: gauge("license", "seats_used",
			"Seats of the license taken by members.", "license"),
		build: gauge("", "build_info",
			"Always 1; the labels name the running build.", "version", "goversion"),
		leases: gauge("replica", "leases",
			"1 while this replica holds the deployment's lease (runs it), else 0; only with the PostgreSQL sync state.", "deployment", "replica"),
		replica: gauge("replica", "info",
			"Always 1; the label is this process's replica ID, the holder its leases name.", "replica"),
	}
	m.all = []prometheus.Collector{m.runs, m.duration, m.lastSuccess, m.lastAttempt, m.interval, m.changes,
		m.desired, m.overflow, m.skipped, m.pending, m.pendingOldest, m.quarantined,
		m.upRequests, m.upRetries, m.upRateLimited, m.seats, m.seatsUsed, m.build, m.leases, m.replica}
	m.byDeployment = []*prometheus.MetricVec{m.runs.MetricVec, m.duration.MetricVec, m.lastSuccess.MetricVec,
		m.lastAttempt.MetricVec, m.interval.MetricVec, m.changes.MetricVec, m.desired.MetricVec, m.overflow.MetricVec,
		m.skipped.MetricVec, m.pending.MetricVec, m.pendingOldest.MetricVec, m.quarantined.MetricVec, m.leases.MetricVec}
	m.byLicense = []*prometheus.MetricVec{m.seats.MetricVec, m.seatsUsed.MetricVec}
	m.SetVersion(mainVersion())
	if reg != nil {
		reg.MustRegister(m)
	}
	return m
}

// Describe sends the descriptions of every metric, for prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.all {
		c.Describe(ch)
	}
}

// Collect sends every series, for prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.all {
		c.Collect(ch)
	}
}

// mainVersion is the module version the binary was built as, which `go
// install module@version` and builds from a tagged checkout fill in.
func mainVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}

// SetVersion names the running build in rollcall_build_info, replacing what
// New found in the build info (for builds stamped with -ldflags -X).
func (m *Metrics) SetVersion(version string) {
	m.build.Reset()
	m.build.WithLabelValues(version, runtime.Version()).Set(1)
}

// InitDeployment creates the deployment's run and change series at zero, so
// that rate() and increase() see the first run and alerts on an absent
// series do not fire before it.
func (m *Metrics) InitDeployment(deployment, connector string) {
	for _, r := range results {
		m.runs.WithLabelValues(deployment, connector, r)
	}
	for _, a := range actions {
		m.changes.WithLabelValues(deployment, a)
	}
	m.quarantined.WithLabelValues(deployment)
	m.InitConnector(connector)
}

// InitConnector creates the connector's retry and rate-limit series at zero.
func (m *Metrics) InitConnector(connector string) {
	for _, r := range reasons {
		m.upRetries.WithLabelValues(connector, r)
	}
	m.upRateLimited.WithLabelValues(connector)
}

// RunFinished counts one finished run and the changes it applied: Added,
// Updated and Removed of counts (held removals are not changes). Skipped
// runs did no work, so their duration is not observed.
func (m *Metrics) RunFinished(deployment, connector, result string, dur time.Duration, counts syncstate.Counts) {
	m.runs.WithLabelValues(deployment, connector, result).Inc()
	if result != string(syncstate.ResultSkipped) {
		m.duration.WithLabelValues(deployment).Observe(dur.Seconds())
	}
	for action, n := range map[string]int{ActionAdd: counts.Added, ActionUpdate: counts.Updated, ActionRemove: counts.Removed} {
		if n > 0 {
			m.changes.WithLabelValues(deployment, action).Add(float64(n))
		}
	}
}

// Attempt records that a run of the deployment started at t.
func (m *Metrics) Attempt(deployment string, t time.Time) {
	m.lastAttempt.WithLabelValues(deployment).Set(unix(t))
}

// Success records that a run of the deployment succeeded, ending at t.
func (m *Metrics) Success(deployment string, t time.Time) {
	m.lastSuccess.WithLabelValues(deployment).Set(unix(t))
}

// SetInterval records the deployment's schedule interval, against which
// alerts judge the age of its last success.
func (m *Metrics) SetInterval(deployment string, d time.Duration) {
	m.interval.WithLabelValues(deployment).Set(d.Seconds())
}

// SetDesired records how many people the source named.
func (m *Metrics) SetDesired(deployment string, n int) {
	m.desired.WithLabelValues(deployment).Set(float64(n))
}

// SetOverflow records how many adds of the last run found no seat.
func (m *Metrics) SetOverflow(deployment string, n int) {
	m.overflow.WithLabelValues(deployment).Set(float64(n))
}

// SetSkippedPeople records how many people of the last run had no usable email.
func (m *Metrics) SetSkippedPeople(deployment string, n int) {
	m.skipped.WithLabelValues(deployment).Set(float64(n))
}

// SetPending records the plans awaiting approval and when the oldest was
// made (ignored when n is 0).
func (m *Metrics) SetPending(deployment string, n int, oldest time.Time) {
	m.pending.WithLabelValues(deployment).Set(float64(n))
	if n == 0 {
		oldest = time.Time{}
	}
	m.pendingOldest.WithLabelValues(deployment).Set(unix(oldest))
}

// LicenseSeats records a license's seats and how many are used.
func (m *Metrics) LicenseSeats(license string, seats, used int) {
	m.seats.WithLabelValues(license).Set(float64(seats))
	m.seatsUsed.WithLabelValues(license).Set(float64(used))
}

// ForgetDeployment deletes every series of a deployment that no longer
// exists, so dashboards and alerts stop seeing it.
func (m *Metrics) ForgetDeployment(deployment string) {
	for _, v := range m.byDeployment {
		v.DeletePartialMatch(prometheus.Labels{"deployment": deployment})
	}
}

// ForgetLicense deletes the seat series of a deleted license.
func (m *Metrics) ForgetLicense(license string) {
	for _, v := range m.byLicense {
		v.DeletePartialMatch(prometheus.Labels{"license": license})
	}
}

// Request counts one request to a vendor API and its HTTP status; code 0
// means no response arrived (a network error).
func (m *Metrics) Request(connector string, code int) {
	m.upRequests.WithLabelValues(connector, strconv.Itoa(max(code, 0))).Inc()
}

// Retry counts one retried request to a vendor API; a rate_limit retry is
// also counted in rollcall_upstream_rate_limited_total.
func (m *Metrics) Retry(connector, reason string) {
	switch reason {
	case ReasonRateLimit:
		m.upRateLimited.WithLabelValues(connector).Inc()
	case ReasonServerError, ReasonNetwork:
	default:
		reason = ReasonOther
	}
	m.upRetries.WithLabelValues(connector, reason).Inc()
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	// Whole seconds and the fraction apart, so that a time on a whole
	// millisecond comes out as the nearest float64, as a reader computes it.
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// SetQuarantined sets whether the deployment is quarantined.
func (m *Metrics) SetQuarantined(deployment string, on bool) {
	v := 0.0
	if on {
		v = 1
	}
	m.quarantined.WithLabelValues(deployment).Set(v)
}
