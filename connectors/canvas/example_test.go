package canvas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

// The example decodes through the config package into valid settings
// that open, and shows every setting, the developer-key ones included.
func TestExample(t *testing.T) {
	var s Settings
	text := s.Example()
	if !strings.HasPrefix(text, "  - name: ") {
		t.Fatalf("example is not a connectors: entry:\n%s", text)
	}
	t.Setenv("CANVAS_TOKEN", "7~example-token")
	dir := t.TempDir()
	path := filepath.Join(dir, "rollcall.yaml")
	if err := os.WriteFile(path, []byte("store:\n  path: rollcall.db\nconnectors:\n"+text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("example does not load: %v", err)
	}
	conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatalf("example does not open: %v", err)
	}
	c, ok := conns["canvas"].(*Connector)
	if !ok {
		t.Fatalf("opened %T, want *canvas.Connector", conns["canvas"])
	}
	if c.s.AccessToken.Value() != "7~example-token" || c.s.BaseURL != "https://district.instructure.com" || c.s.PerPage != 100 ||
		c.s.RootAccount != "self" || c.s.Retry.LowWater != 100 || c.s.Retry.Pause.String() != "2s" {
		t.Errorf("decoded settings %+v do not match the example", c.s)
	}
	for _, key := range []string{"base_url:", "access_token:", "client_id:", "client_secret:", "refresh_token:", "root_account:",
		"per_page:", "include_observers:", "max_attempts:", "max_elapsed:", "base_delay:", "low_water:", "pause:", "read_email_addresses"} {
		if !strings.Contains(text, key) {
			t.Errorf("example lacks %q", key)
		}
	}

	// The commented developer-key form, uncommented instead of the token,
	// is valid too.
	dev := strings.Replace(text, "      access_token: ${CANVAS_TOKEN}\n", "", 1)
	for _, k := range []string{"client_id", "client_secret", "refresh_token"} {
		dev = strings.Replace(dev, "# "+k+":", k+":", 1)
	}
	t.Setenv("CANVAS_CLIENT_SECRET", "s")
	t.Setenv("CANVAS_REFRESH_TOKEN", "r")
	if err := os.WriteFile(path, []byte("store:\n  path: rollcall.db\nconnectors:\n"+dev), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = config.Load(path)
	if err != nil {
		t.Fatalf("developer-key form does not load: %v\n%s", err, dev)
	}
	if _, _, err := connectors.Open(cfg, connectors.OpenOptions{}); err != nil {
		t.Fatalf("developer-key form does not open: %v\n%s", err, dev)
	}
}
