package ratelimit_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	_ "github.com/rollcall-sync/rollcall/connectors/blackboard"
	_ "github.com/rollcall-sync/rollcall/connectors/brightspace"
	_ "github.com/rollcall-sync/rollcall/connectors/canvas"
	_ "github.com/rollcall-sync/rollcall/connectors/classroom"
	_ "github.com/rollcall-sync/rollcall/connectors/clever"
	_ "github.com/rollcall-sync/rollcall/connectors/googledirectory"
	_ "github.com/rollcall-sync/rollcall/connectors/lti"
	_ "github.com/rollcall-sync/rollcall/connectors/moodle"
	_ "github.com/rollcall-sync/rollcall/connectors/oneroster"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	_ "github.com/rollcall-sync/rollcall/connectors/schoology"
)

// Every HTTP connector type takes its quota under the same names (a
// count per its vendor's window, and quota_percent) and refuses bad
// values naming the field, as any other setting.
func TestEveryConnectorTakesAQuota(t *testing.T) {
	count := map[string]string{
		"google-directory": "quota_per_minute",
		"google-classroom": "quota_per_minute",
		"clever":           "quota_per_minute",
		"canvas":           "quota_per_minute",
		"moodle":           "quota_per_minute",
		"brightspace":      "quota_per_minute",
		"oneroster":        "quota_per_minute",
		"lti":              "quota_per_minute",
		"blackboard":       "quota_per_day",
		"schoology":        "quota_per_5_seconds",
	}
	for typ, field := range count {
		t.Run(typ, func(t *testing.T) {
			cfg, err := connectors.NewConfig(typ)
			if err != nil {
				t.Fatal(err)
			}
			set := func(key string, v int) {
				t.Helper()
				s := reflect.ValueOf(cfg).Elem()
				for i := range s.NumField() {
					if name, _, _ := strings.Cut(s.Type().Field(i).Tag.Get("yaml"), ","); name == key {
						s.Field(i).SetInt(int64(v))
						return
					}
				}
				t.Fatalf("%T has no setting %q", cfg, key)
			}
			set(field, 0)
			set(ratelimit.PercentField, 0)
			if err := cfg.Validate(); err != nil && strings.Contains(err.Error(), "quota") {
				t.Errorf("defaults refused: %v", err)
			}
			set(field, -1)
			set(ratelimit.PercentField, 101)
			err = cfg.Validate()
			for _, want := range []string{"settings." + field + ": -1 must be", "settings.quota_percent: 101 must be 1-100"} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Validate = %v, want it to say %q", err, want)
				}
			}
		})
	}
}
