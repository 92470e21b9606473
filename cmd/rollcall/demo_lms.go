package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// demoLMS is one LMS vendor's built-in fake serving as the demo's LMS.
type demoLMS struct {
	Vendor string // the connector type, also the LMS vendor recorded on the license
	URL    string // where the fake listens, for the banner
	// Settings is the connector's settings block as YAML lines without
	// indentation (the demo indents them). Secrets are written as ${VAR}
	// and their values given in Env, as a real deployment keeps secrets
	// out of its config file.
	Settings []string
	Env      map[string]string
	Units    []string // what the demo links, e.g. account:self
	// Churn changes about n people of the fake and says how many changed.
	Churn func(rng *rand.Rand, n int) int
	Close func()
}

// demoLMSStarter generates a district of about people (seeded) and serves
// it from the vendor's fake on loopback.
type demoLMSStarter func(seed int64, people int) (*demoLMS, error)

// demoLMSVendors is the registry of vendors `rollcall demo --lms` can
// serve; each demo_lms_<vendor>.go file adds its vendor from init.
var demoLMSVendors = map[string]demoLMSStarter{}

func registerDemoLMS(vendor string, start demoLMSStarter) {
	if _, dup := demoLMSVendors[vendor]; dup {
		panic(fmt.Sprintf("demo LMS %q registered twice", vendor))
	}
	demoLMSVendors[vendor] = start
}

func demoLMSNames() string {
	names := make([]string, 0, len(demoLMSVendors))
	for n := range demoLMSVendors {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// settingsYAML indents the fake's settings under a connector's settings: key.
func (l *demoLMS) settingsYAML() string {
	var b strings.Builder
	for _, line := range l.Settings {
		b.WriteString("      ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}
