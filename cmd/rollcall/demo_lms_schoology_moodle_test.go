package main

import (
	"context"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

// The Schoology and Moodle demo LMSes give settings that decode through
// the config file as the demo writes it (secrets from the environment),
// open, pass their link check, read a district, and change under churn.
func TestDemoLMSSchoologyMoodle(t *testing.T) {
	for _, vendor := range []string{"schoology", "moodle"} {
		t.Run(vendor, func(t *testing.T) {
			start, ok := demoLMSVendors[vendor]
			if !ok {
				t.Fatalf("%s is not registered for rollcall demo --lms", vendor)
			}
			lms, err := start(7, 400)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(lms.Close)
			doc := "connectors:\n  - name: lms\n    type: " + lms.Vendor + "\n    settings:\n" + lms.settingsYAML()
			for _, secret := range lms.Env {
				if strings.Contains(doc, secret) {
					t.Fatalf("a secret is written into the config file:\n%s", doc)
				}
			}
			cfg, err := config.Parse([]byte(doc), filepath.Join(t.TempDir(), "rollcall.yaml"), func(k string) (string, bool) {
				v, ok := lms.Env[k]
				return v, ok
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, doc)
			}
			conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			conn := conns["lms"]
			ctx := context.Background()
			if c, ok := conn.(connectors.Checker); !ok {
				t.Fatalf("%T has no link check", conn)
			} else if err := c.Check(ctx); err != nil {
				t.Fatal(err)
			}
			members := func() map[string]string {
				out := map[string]string{}
				err := conn.Fetch(ctx, connectors.Selection{Units: lms.Units}, func(ps []connectors.Person) error {
					for _, p := range ps {
						out[p.Email+"/"+p.ExternalID] = string(p.Role)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			before := members()
			if len(before) < 200 {
				t.Fatalf("the demo LMS serves %d people", len(before))
			}
			if n := lms.Churn(rand.New(rand.NewPCG(1, 2)), 12); n == 0 {
				t.Fatal("churn changed nobody")
			}
			if after := members(); maps.Equal(before, after) {
				t.Fatal("after churn the demo LMS serves the same people")
			}
		})
	}
}
