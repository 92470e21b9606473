package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
	_ "time/tzdata" // time zones validate the same on a bare container image
)

// validator fills defaults and reports problems through the decoder, so
// that a field that already failed to decode is not reported twice.
type validator struct {
	d *decoder
	c *Config
}

// fail reports a problem with field, placed at the line of field or, when
// the field is absent from the file, at the line of near (its entry).
func (v validator) fail(field, near, format string, args ...any) {
	start := field
	if _, ok := v.d.parents[field]; !ok {
		start = near // absent from the file: look at its entry instead
	}
	for p := start; ; {
		if v.d.bad[p] || p == start && v.d.bad[field] {
			return
		}
		parent, ok := v.d.parents[p]
		if !ok {
			break
		}
		p = parent
	}
	line := 0
	if _, ok := v.d.lines[field]; ok {
		line = lineIn(v.d.lines, v.d.parents, field)
	} else {
		line = lineIn(v.d.lines, v.d.parents, near)
	}
	v.d.failf(line, field, format, args...)
}

func (c *Config) validate(d *decoder) {
	v := validator{d: d, c: c}

	if c.Store.Path == "" {
		c.Store.Path = DefaultStorePath
	}
	c.Store.Path = c.resolve(c.Store.Path)
	if c.SyncState.Path == "" {
		c.SyncState.Path = filepath.Join(filepath.Dir(c.Store.Path), DefaultSyncStateFile)
	} else {
		c.SyncState.Path = c.resolve(c.SyncState.Path)
	}
	if c.SyncState.Path == c.Store.Path {
		v.fail("sync_state.path", "sync_state", "must be a different file from store.path (%s)", c.Store.Path)
	}
	v.storeDriver()

	if c.HTTP.Listen == "" {
		c.HTTP.Listen = DefaultListen
	}
	if o := c.HTTP.OIDC; o != nil {
		if o.Name == "" {
			o.Name = "single sign-on"
		}
		for field, val := range map[string]string{"issuer": o.Issuer, "redirect_url": o.RedirectURL} {
			u, err := url.Parse(val)
			if val == "" || err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
				v.fail("http.oidc."+field, "http.oidc", "%q must be an https URL (http only on loopback)", val)
			}
		}
		if o.ClientID == "" {
			v.fail("http.oidc.client_id", "http.oidc", "is required")
		}
		if o.ClientSecret == "" {
			v.fail("http.oidc.client_secret", "http.oidc", "is required (use ${VAR} to keep it out of this file)")
		}
	}
	if pu := c.HTTP.PublicURL; pu != "" {
		if u, err := url.Parse(pu); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			v.fail("http.public_url", "http", "%q must be an http or https URL such as https://rollcall.district.org", pu)
		}
	}
	for i, tp := range c.HTTP.TrustedProxies {
		if _, err := netip.ParsePrefix(tp); err != nil {
			if _, err := netip.ParseAddr(tp); err != nil {
				v.fail(fmt.Sprintf("http.trusted_proxies[%d]", i), "http", "%q is not an IP address or CIDR prefix (10.0.0.5, 10.0.0.0/8)", tp)
			}
		}
	}
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		v.fail("http.listen", "http", "%q is not host:port (e.g. 127.0.0.1:8080 or :9090)", c.HTTP.Listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		v.fail("http.listen", "http", "port %q must be a number from 0 to 65535", port)
	}

	c.Log.Format = strings.ToLower(c.Log.Format)
	c.Log.Level = strings.ToLower(c.Log.Level)
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		v.fail("log.format", "log", "%q must be text or json", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.fail("log.level", "log", "%q must be debug, info, warn or error", c.Log.Level)
	}

	if c.Sync.History < 1 {
		v.fail("sync.history", "sync", "%d: must be at least 1", c.Sync.History)
	}
	if c.Sync.BatchSize < 1 {
		v.fail("sync.batch_size", "sync", "%d: must be at least 1", c.Sync.BatchSize)
	}
	if c.Sync.Jitter < 0 {
		v.fail("sync.jitter", "sync", "%s: must not be negative", c.Sync.Jitter)
	}
	if c.Sync.ShutdownTimeout <= 0 {
		v.fail("sync.shutdown_timeout", "sync", "%s: must be more than 0", c.Sync.ShutdownTimeout)
	}

	connectors := map[string]string{} // name → field of its first definition
	for i := range c.Connectors {
		cc := &c.Connectors[i]
		f := cc.Field
		if !validName(cc.Name) {
			v.fail(f+".name", f, "%q: must be 1-64 characters of a-z, 0-9, ., -, _ and :", cc.Name)
		} else if first, dup := connectors[cc.Name]; dup {
			v.fail(f+".name", f, "%q is already the name of %s (line %d)", cc.Name, first, c.Line(first))
		} else {
			connectors[cc.Name] = f
		}
		if cc.Type == "" {
			v.fail(f+".type", f, "is required (a connector type such as static)")
		}
		if cc.Schedule == "" {
			cc.Schedule = DefaultSchedule
		}
		if cc.TimeZone == "" {
			cc.TimeZone = DefaultTimeZone
		}
		if err := CheckSchedule(cc.Schedule); err != nil {
			v.fail(f+".schedule", f, "%v", err)
		}
		if err := CheckTimeZone(cc.TimeZone); err != nil {
			v.fail(f+".time_zone", f, "%v", err)
		}
		if cc.Settings.Kind != 0 && cc.Settings.Kind != yaml.MappingNode && !isNull(&cc.Settings) {
			v.fail(f+".settings", f, "expected a mapping, got %s", kindName(&cc.Settings))
		}
	}

	deployments := map[string]string{}
	for i := range c.Deployments {
		dd := &c.Deployments[i]
		f := dd.Field
		if !validName(dd.Name) {
			v.fail(f+".name", f, "%q: must be 1-64 characters of a-z, 0-9, ., -, _ and :", dd.Name)
		} else if first, dup := deployments[dd.Name]; dup {
			v.fail(f+".name", f, "%q is already the name of %s (line %d)", dd.Name, first, c.Line(first))
		} else {
			deployments[dd.Name] = f
		}
		switch _, ok := connectors[dd.Connector]; {
		case dd.Connector == "":
			v.fail(f+".connector", f, "is required (the name of a connector defined in this file)")
		case !ok:
			v.fail(f+".connector", f, "%q is not a connector defined in this file", dd.Connector)
		}
		if dd.License == "" {
			v.fail(f+".license", f, "is required (the id of a license in the store)")
		} else if !validLicenseID(dd.License) {
			v.fail(f+".license", f, "%q: a license id is 1-40 characters of a-z, 0-9, - and _", dd.License)
		}
		for j, u := range dd.Units {
			if strings.TrimSpace(u) == "" {
				v.fail(indexField(f+".units", j), f, "must not be empty")
			}
		}
		for k, r := range dd.Roles {
			field := joinField(f+".roles", k)
			if strings.TrimSpace(k) == "" {
				v.fail(field, f, "a role mapping needs a unit or source role name as its key")
			}
			if nr, ok := normalRole(r); ok {
				dd.Roles[k] = nr
			} else {
				v.fail(field, f, "%q must be student, teacher or other", r)
			}
		}
		if dd.DefaultRole != "" {
			if nr, ok := normalRole(dd.DefaultRole); ok {
				dd.DefaultRole = nr
			} else {
				v.fail(f+".default_role", f, "%q must be student, teacher or other", dd.DefaultRole)
			}
		}
		for k := range dd.Options {
			if strings.TrimSpace(k) == "" {
				v.fail(f+".options", f, "option names must not be empty")
			}
		}
		if dd.Schedule != "" {
			if err := CheckSchedule(dd.Schedule); err != nil {
				v.fail(f+".schedule", f, "%v", err)
			}
		}
		if dd.TimeZone != "" {
			if err := CheckTimeZone(dd.TimeZone); err != nil {
				v.fail(f+".time_zone", f, "%v", err)
			}
		}
		if l := dd.DeletionLimit; l != nil {
			if l.Percent < 0 || l.Percent > 100 {
				v.fail(f+".deletion_limit.percent", f+".deletion_limit", "%v: must be from 0 to 100", l.Percent)
			}
			if l.Min < 0 {
				v.fail(f+".deletion_limit.min", f+".deletion_limit", "%d: must not be negative", l.Min)
			}
		}
		switch dd.Mode {
		case "", ModeMirror, ModeAddOnly, ModeRemoveOnly:
		default:
			v.fail(f+".mode", f, "%q must be mirror, add-only or remove-only", dd.Mode)
		}
		if p := dd.MaxUpdatePercent; p != nil && (*p <= 0 || *p > 100) {
			v.fail(f+".max_update_percent", f, "%v: must be above 0 and at most 100 (100 turns the guard off)", *p)
		}
		if dd.GracePeriod < 0 {
			v.fail(f+".grace_period", f, "%s: must not be negative", dd.GracePeriod)
		}
	}
	hooks := map[string]bool{}
	for i := range c.Webhooks {
		w := &c.Webhooks[i]
		f := w.Field
		switch {
		case !validName(w.Name):
			v.fail(f+".name", f, "%q: must be 1-64 characters of a-z, 0-9, ., -, _ and :", w.Name)
		case hooks[w.Name]:
			v.fail(f+".name", f, "%q is the name of another webhook", w.Name)
		}
		hooks[w.Name] = true
		if !validLicenseID(w.License) {
			v.fail(f+".license", f, "%q: a license id is 1-40 characters of a-z, 0-9, - and _", w.License)
		}
		if msg := webhookURLProblem(w.URL, w.InsecureLoopback); msg != "" {
			v.fail(f+".url", f, "%s", msg)
		}
		if len(w.Secret) < 16 {
			v.fail(f+".secret", f, "must be at least 16 characters (it signs every delivery)")
		}
	}
	if c.Sync.RunTimeout < 0 {
		v.fail("sync.run_timeout", "sync", "%s: must not be negative", c.Sync.RunTimeout)
	}
	if c.Sync.QuarantineAfter < 0 {
		v.fail("sync.quarantine_after", "sync", "%d: must not be negative", c.Sync.QuarantineAfter)
	}
	for i := range c.Calendar {
		w := &c.Calendar[i]
		f := w.Field
		if strings.TrimSpace(w.Name) == "" {
			v.fail(f+".name", f, "is required (shown in run records and by rollcall calendar)")
		}
		if w.Kind != WindowBlackout && w.Kind != WindowAdditionsOnly {
			v.fail(f+".kind", f, "%q must be blackout or additions-only", w.Kind)
		}
		from, ferr := time.Parse(time.DateOnly, w.From)
		if ferr != nil {
			v.fail(f+".from", f, "%q: must be a date like 2026-06-15", w.From)
		}
		to, terr := time.Parse(time.DateOnly, w.To)
		if terr != nil {
			v.fail(f+".to", f, "%q: must be a date like 2026-08-20", w.To)
		}
		if ferr == nil && terr == nil && to.Before(from) {
			v.fail(f+".to", f, "%s is before from (%s)", w.To, w.From)
		}
		if w.TimeZone != "" {
			if err := CheckTimeZone(w.TimeZone); err != nil {
				v.fail(f+".time_zone", f, "%v", err)
			}
		}
		for j, d := range w.Deployments {
			if _, ok := deployments[d]; !ok && !validName(d) {
				v.fail(indexField(f+".deployments", j), f, "%q is not a valid deployment name", d)
			}
		}
		for j, l := range w.Licenses {
			if !validLicenseID(l) {
				v.fail(indexField(f+".licenses", j), f, "%q: a license id is 1-40 characters of a-z, 0-9, - and _", l)
			}
		}
	}
}

// resolve makes a path from the file absolute against the config's folder.
func (c *Config) resolve(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(c.Dir, p)
}

// CheckSchedule validates a cron spec as the scheduler reads it: five
// fields (minute hour day-of-month month day-of-week) or a descriptor such
// as @hourly, @daily or @every 15m. The time zone is a separate setting.
func CheckSchedule(spec string) error {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return fmt.Errorf("%q: set the zone with time_zone, not in the schedule", spec)
	}
	if rest, ok := strings.CutPrefix(s, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < time.Second {
			return fmt.Errorf("%q: @every needs a duration of at least 1s, such as 15m or 1h", spec)
		}
		return nil
	}
	if _, err := cron.ParseStandard(s); err != nil {
		return fmt.Errorf("%q is not a schedule: %v (use 5 cron fields such as \"*/15 * * * *\", or @every 15m, @hourly, @daily)", spec, err)
	}
	return nil
}

// CheckTimeZone validates an IANA time zone name such as America/Chicago.
func CheckTimeZone(name string) error {
	if name == "Local" {
		return fmt.Errorf("%q depends on the machine: name an IANA zone such as America/Chicago or UTC", name)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return fmt.Errorf("%q is not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)", name)
	}
	return nil
}

// validName is the rule for connector and deployment names; it matches
// connectors.Deployment.Validate, which this package cannot import.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':')
	}) < 0
}

// validLicenseID matches license ids as the license package makes them.
func validLicenseID(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}

func normalRole(r string) (string, bool) {
	switch n := strings.ToLower(strings.TrimSpace(r)); n {
	case "student", "teacher", "other":
		return n, true
	}
	return "", false
}

// webhookURLProblem says what is wrong with a webhook URL ("" when
// nothing): deliveries go over https only, or plain http to a loopback
// host when insecure_loopback says so.
func webhookURLProblem(raw string, insecureLoopback bool) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("%q is not an absolute URL", raw)
	}
	if u.User != nil {
		return "must not carry credentials; the secret signs deliveries"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		if insecureLoopback && (strings.EqualFold(h, "localhost") || ip != nil && ip.IsLoopback()) {
			return ""
		}
		return fmt.Sprintf("%q: must be https (plain http only to a loopback host, with insecure_loopback: true)", raw)
	}
	return fmt.Sprintf("%q: scheme %q, must be https", raw, u.Scheme)
}
