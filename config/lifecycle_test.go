package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const lifecycleBase = `connectors:
  - name: roster
    type: static
deployments:
  - name: hs
    connector: roster
    license: hs
`

func TestLifecycleSettings(t *testing.T) {
	src := `sync: {run_timeout: 30m, quarantine_after: 3}
connectors:
  - name: roster
    type: static
deployments:
  - name: hs
    connector: roster
    license: hs
    mode: add-only
    max_update_percent: 50
    grace_period: 336h
    grace_keeps_access: false
calendar:
  - {name: summer, kind: blackout, from: 2026-06-15, to: 2026-08-20, time_zone: America/Chicago, licenses: [hs]}
webhooks:
  - {name: lms-events, license: hs, url: "https://hooks.district.org/rollcall", secret: "${HOOK_SECRET}"}
`
	c, err := Parse([]byte(src), "rollcall.yaml", envOf(map[string]string{"HOOK_SECRET": "0123456789abcdef-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Deployments[0]
	if d.Mode != ModeAddOnly || *d.MaxUpdatePercent != 50 || d.GracePeriod != 14*24*time.Hour || *d.GraceKeepsAccess {
		t.Errorf("deployment = %+v", d)
	}
	if c.Sync.RunTimeout != 30*time.Minute || c.Sync.QuarantineAfter != 3 {
		t.Errorf("sync = %+v", c.Sync)
	}
	if w := c.Calendar[0]; w.Name != "summer" || w.Kind != WindowBlackout || w.From != "2026-06-15" || w.Field != "calendar[0]" {
		t.Errorf("calendar = %+v", w)
	}
	if h := c.Webhooks[0]; h.Name != "lms-events" || string(h.Secret) != "0123456789abcdef-secret" || h.Secret.String() != "<secret>" {
		t.Errorf("webhook = %+v", h)
	}
}

func TestLifecycleSettingsBad(t *testing.T) {
	tests := []struct {
		name, extra, field string
	}{
		{"mode", "    mode: mirror-ish\n", "deployments[0].mode"},
		{"update percent", "    max_update_percent: 0\n", "deployments[0].max_update_percent"},
		{"update percent above 100", "    max_update_percent: 120\n", "deployments[0].max_update_percent"},
		{"grace", "    grace_period: -1h\n", "deployments[0].grace_period"},
		{"window kind", "calendar: [{name: s, kind: pause, from: 2026-06-15, to: 2026-06-20}]\n", "calendar[0].kind"},
		{"window date", "calendar: [{name: s, kind: blackout, from: 15/06/2026, to: 2026-06-20}]\n", "calendar[0].from"},
		{"window order", "calendar: [{name: s, kind: blackout, from: 2026-06-15, to: 2026-06-01}]\n", "calendar[0].to"},
		{"window name", "calendar: [{kind: blackout, from: 2026-06-15, to: 2026-06-20}]\n", "calendar[0].name"},
		{"window zone", "calendar: [{name: s, kind: blackout, from: 2026-06-15, to: 2026-06-20, time_zone: Mars/Base}]\n", "calendar[0].time_zone"},
		{"webhook http", "webhooks: [{name: w, license: hs, url: 'http://hooks.district.org/x', secret: 0123456789abcdef}]\n", "webhooks[0].url"},
		{"webhook http loopback without the flag", "webhooks: [{name: w, license: hs, url: 'http://127.0.0.1:9/x', secret: 0123456789abcdef}]\n", "webhooks[0].url"},
		{"webhook short secret", "webhooks: [{name: w, license: hs, url: 'https://h.org/x', secret: short}]\n", "webhooks[0].secret"},
		{"webhook twice", "webhooks: [{name: w, license: hs, url: 'https://h.org/x', secret: 0123456789abcdef}, {name: w, license: hs, url: 'https://h.org/y', secret: 0123456789abcdef}]\n", "webhooks[1].name"},
		{"quarantine", "sync: {quarantine_after: -1}\n", "sync.quarantine_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := lifecycleBase + tt.extra
			_, err := Parse([]byte(src), "rollcall.yaml", noEnv)
			var ce *Error
			if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), "rollcall.yaml:") {
				t.Fatalf("Parse = %v; want an error naming rollcall.yaml, its line, and %s", err, tt.field)
			}
		})
	}
	// A loopback http URL is fine with the flag.
	ok := lifecycleBase + "webhooks: [{name: w, license: hs, url: 'http://127.0.0.1:9/x', secret: 0123456789abcdef, insecure_loopback: true}]\n"
	if _, err := Parse([]byte(ok), "rollcall.yaml", noEnv); err != nil {
		t.Fatalf("loopback http with insecure_loopback: %v", err)
	}
}
