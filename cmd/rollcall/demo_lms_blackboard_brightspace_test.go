package main

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

// The Blackboard and Brightspace demo LMSes give settings that decode
// through the config file as the demo writes it, open, pass their link
// check, read people, and change under churn.
func TestDemoLMSBlackboardBrightspace(t *testing.T) {
	for _, vendor := range []string{"blackboard", "brightspace"} {
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
			dir := t.TempDir()
			cfg, err := config.Parse([]byte(doc), filepath.Join(dir, "rollcall.yaml"), func(k string) (string, bool) {
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
			count := func() int {
				emails := map[string]bool{}
				err := conn.Fetch(ctx, connectors.Selection{Units: lms.Units}, func(ps []connectors.Person) error {
					for _, p := range ps {
						emails[p.Email] = true
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return len(emails)
			}
			if n := count(); n < 50 {
				t.Fatalf("the demo LMS serves %d people", n)
			}
			if n := lms.Churn(rand.New(rand.NewPCG(1, 2)), 10); n == 0 {
				t.Fatal("churn changed nobody")
			}
			if n := count(); n < 50 {
				t.Fatalf("after churn the demo LMS serves %d people", n)
			}
		})
	}
}
