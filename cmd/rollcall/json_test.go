package main

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestJSONOutputs checks that every command's --json output parses and
// carries the field names scripts rely on.
func TestJSONOutputs(t *testing.T) {
	e := newEnv(t)
	key := e.createLicense("j", 10, "--domain", "j.example.org", "--feature", "chat=on")
	e.ok("", "members", "add", "-l", "j", "--role", "teacher", "ann@j.example.org")
	e.ok("", "domain", "admin", "add", "j.example.org", "boss@j.example.org")
	tests := []struct {
		name string
		args []string
		keys []string // top-level keys (of the first element for arrays)
	}{
		{"license show", []string{"license", "show", "j"}, []string{"id", "name", "type", "seats", "used", "free", "created", "expired", "domains", "admins", "features", "key_prefix"}},
		{"license list", []string{"license", "list"}, []string{"id", "name", "seats", "used"}},
		{"license update", []string{"license", "update", "j", "--seats", "11"}, []string{"id", "seats"}},
		{"license rotate-key", []string{"license", "rotate-key", "j"}, []string{"license", "key", "note"}},
		{"license history", []string{"license", "history", "j"}, []string{"seq", "time", "license", "action"}},
		{"members add", []string{"members", "add", "-l", "j", "bob@j.example.org"}, []string{"members_added", "claims_added", "claims_updated", "claims_removed", "members_removed", "unchanged", "overflow"}},
		{"members list", []string{"members", "list", "-l", "j", "--limit", "1"}, []string{"members", "next"}},
		{"members history", []string{"members", "history", "-l", "j", "ann@j.example.org"}, []string{"seq", "time", "email", "action", "source", "actor"}},
		{"members remove", []string{"members", "remove", "-l", "j", "bob@j.example.org"}, []string{"members_removed", "claims_removed", "kept", "not_found", "overflow", "dry_run"}},
		{"entitlement", []string{"entitlement", "ann@j.example.org"}, []string{"email", "licenses", "features"}},
		{"redeem", []string{"redeem", key, "cal@j.example.org"}, []string{"email", "license"}},
		{"domain admins", []string{"domain", "admins", "j.example.org"}, []string{"domain", "admins"}},
		{"check", []string{"check"}, []string{"database", "ok", "problems"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "redeem" {
				// rotate-key ran above: the original key no longer works.
				var rot struct{ Key string }
				e.jsonOK(&rot, "", "license", "rotate-key", "j")
				tc.args[1] = rot.Key
			}
			r := e.ok("", append([]string{"--json"}, tc.args...)...)
			var v any
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
			obj, ok := v.(map[string]any)
			if arr, isArr := v.([]any); isArr {
				if len(arr) == 0 {
					t.Fatalf("empty array: %s", r.stdout)
				}
				obj, ok = arr[0].(map[string]any)
			}
			if !ok {
				t.Fatalf("not an object or array of objects: %s", r.stdout)
			}
			for _, k := range tc.keys {
				if _, ok := obj[k]; !ok {
					t.Errorf("lacks %q: %s", k, r.stdout)
				}
			}
			if _, ok := obj["hash"]; ok || slices.Contains(tc.keys, "key") && obj["key"] == "" {
				t.Errorf("key material wrong in %s", r.stdout)
			}
		})
	}
}
