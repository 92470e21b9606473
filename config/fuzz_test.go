package config

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse: no input panics; a failed parse returns no config and only
// positioned errors; a config that parses renders and parses back.
func FuzzParse(f *testing.F) {
	f.Add(Example())
	for _, s := range []string{
		"", "store: {path: x}\n", "sync: {jitter: 1s, history: ${H:-3}}\n",
		"connectors:\n  - name: a\n    type: static\n    settings: {token: ${T:-x}, k: &a [1, *a]}\n",
		"deployments:\n  - {name: a, connector: b, license: c, roles: {\"/x\": teacher}}\n",
		"a: &a [*a]\n", "<<: {store: {path: y}}\n", "connectors: [{<<: [{name: a}], type: b}]\n",
		"--- \n---\n", "sync_state: {path: $${x}}\n", "log: !!binary aGVsbG8=\n",
	} {
		f.Add(s)
	}
	env := envOf(map[string]string{"H": "4", "T": "tok"})
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Parse([]byte(src), "f.yaml", env)
		if err != nil {
			if c != nil {
				t.Fatal("a config came back with an error")
			}
			for _, e := range Errors(err) {
				if e.File != "f.yaml" {
					t.Fatalf("error names file %q", e.File)
				}
			}
			if len(Errors(err)) == 0 {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		out, err := c.Redacted()
		if err != nil {
			t.Fatalf("Redacted: %v", err)
		}
		// Settings decode strictly or fail cleanly, whatever they hold.
		for i := range c.Connectors {
			var m map[string]any
			_ = DecodeStrictAt(&c.Connectors[i].Settings, c.File, c.Connectors[i].Field+".settings", &m)
		}
		var back yaml.Node
		if err := yaml.Unmarshal(out, &back); err != nil && !strings.Contains(src, "!!") {
			t.Fatalf("Redacted output is not YAML: %v\n%s", err, out)
		}
	})
}

// A merge key that merges itself twice at every level describes 2^64
// entries; the decoder must give up with an error instead.
func TestMergeBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x0: &x0 {path: a}\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "x%d: &x%d {<<: [*x%d, *x%d]}\n", i, i, i-1, i-1)
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(b.String()), &n); err != nil {
		t.Fatal(err)
	}
	var out map[string]struct {
		Path string `yaml:"path"`
	}
	err := DecodeStrict(&n, "b.yaml", &out)
	if err == nil || !strings.Contains(err.Error(), "too many aliases or merges") {
		t.Fatalf("merge bomb: %v", err)
	}
}
