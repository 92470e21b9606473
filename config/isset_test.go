package config

import "testing"

func TestIsSet(t *testing.T) {
	c, err := Parse([]byte("store:\n  path: x.db\nhttp:\n  listen: 127.0.0.1:9\n"), "r.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]bool{"store.path": true, "http.listen": true, "sync_state.path": false, "log.level": false} {
		if got := c.IsSet(field); got != want {
			t.Errorf("IsSet(%q) = %v, want %v", field, got, want)
		}
	}
	empty, err := Parse([]byte(""), "r.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if empty.IsSet("store.path") || (*Config)(nil).IsSet("store.path") {
		t.Error("an empty file sets store.path")
	}
}
