package main

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

// The Clever demo LMS gives settings that decode through the config file
// as the demo writes it (the token from the environment), open, pass the
// link check, read the district's people, and change under churn.
func TestDemoLMSClever(t *testing.T) {
	start, ok := demoLMSVendors["clever"]
	if !ok {
		t.Fatal("clever is not registered for rollcall demo --lms")
	}
	lms, err := start(3, 500)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lms.Close)
	doc := "connectors:\n  - name: lms\n    type: " + lms.Vendor + "\n    settings:\n" + lms.settingsYAML()
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
	if err := conn.(connectors.Checker).Check(ctx); err != nil {
		t.Fatal(err)
	}
	emails := func() map[string]bool {
		out := map[string]bool{}
		if err := conn.Fetch(ctx, connectors.Selection{Units: lms.Units}, func(ps []connectors.Person) error {
			for _, p := range ps {
				if p.Email != "" {
					out[p.Email] = true
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := emails()
	if len(before) < 300 {
		t.Fatalf("the demo district has %d people with an email", len(before))
	}
	if n := lms.Churn(rand.New(rand.NewPCG(1, 2)), 9); n != 9 {
		t.Fatalf("churn changed %d, want 9", n)
	}
	after := emails()
	changed := 0
	for e := range after {
		if !before[e] {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("churn changed nobody the connector reads")
	}
}
