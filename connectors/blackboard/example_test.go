package blackboard

import (
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

// The example decodes through the config package and opens, every setting
// of Settings appearing in it.
func TestExample(t *testing.T) {
	doc := "connectors:\n" + (&Settings{}).Example()
	cfg, err := config.Parse([]byte(doc), "example.yaml", func(name string) (string, bool) { return "value-of-" + name, true })
	if err != nil {
		t.Fatal(err)
	}
	conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := conns["learn"].(*Connector)
	if !ok {
		t.Fatalf("opened %T", conns["learn"])
	}
	if c.s.ApplicationKey.Value() != "value-of-BLACKBOARD_APPLICATION_KEY" || c.s.Roles["DistrictCoTeacher"] != "teacher" {
		t.Fatalf("decoded settings %+v", c.s)
	}
	for _, key := range []string{"base_url:", "application_key:", "application_secret:", "page_size:", "roles:", "retry:", "max_attempts:", "max_elapsed:", "base_delay:"} {
		if !strings.Contains(doc, key) {
			t.Errorf("the example leaves out %s", key)
		}
	}
}
