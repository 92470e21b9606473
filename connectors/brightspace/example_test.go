package brightspace

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

// The example decodes through the config package and opens; its token
// file resolves against the config file's folder.
func TestExample(t *testing.T) {
	doc := "connectors:\n" + (&Settings{}).Example()
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(doc), filepath.Join(dir, "rollcall.yaml"), func(name string) (string, bool) { return "value-of-" + name, true })
	if err != nil {
		t.Fatal(err)
	}
	conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := conns["d2l"].(*Connector)
	if !ok {
		t.Fatalf("opened %T", conns["d2l"])
	}
	if c.s.RefreshToken.Value() != "value-of-BRIGHTSPACE_REFRESH_TOKEN" || c.s.Roles["110"] != "student" || c.s.Roles["109"] != "teacher" {
		t.Fatalf("decoded settings %+v", c.s)
	}
	if want := filepath.Join(cfg.Dir, "brightspace-token.json"); c.s.TokenFile != want {
		t.Fatalf("token file %q, want %q beside the config", c.s.TokenFile, want)
	}
	for _, key := range []string{"base_url:", "token_url:", "client_id:", "client_secret:", "refresh_token:", "token_file:", "lp_version:",
		"roles:", "course_offering_type:", "low_water:", "retry:", "max_attempts:", "max_elapsed:", "base_delay:"} {
		if !strings.Contains(doc, key) {
			t.Errorf("the example leaves out %s", key)
		}
	}
}
