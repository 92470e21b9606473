package httpapi

import (
	"encoding/json"
	"testing"
)

// decodeField returns a top-level string field of a JSON body.
func decodeField(t *testing.T, body, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	s, _ := m[field].(string)
	return s
}
