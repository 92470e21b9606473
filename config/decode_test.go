package config

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type inner struct {
	Depth int    `yaml:"depth"`
	Label string `yaml:"label"`
}

type common struct {
	BaseURL string `yaml:"base_url"`
}

type settings struct {
	common   `yaml:",inline"`
	Path     string            `yaml:"path"`
	PageSize int               `yaml:"page_size"`
	Token    Secret            `yaml:"token"`
	Timeout  time.Duration     `yaml:"timeout"`
	Enabled  bool              `yaml:"enabled"`
	Ratio    float64           `yaml:"ratio"`
	Inner    inner             `yaml:"inner"`
	Ptr      *inner            `yaml:"ptr"`
	List     []inner           `yaml:"list"`
	Tags     map[string]string `yaml:"tags"`
	Anything any               `yaml:"anything"`
	Raw      yaml.Node         `yaml:"raw"`
	Skipped  string            `yaml:"-"`
	Untagged string
}

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func TestDecodeStrict(t *testing.T) {
	src := `base_url: https://x.example
path: people.csv
token: s3cr3t
timeout: 1m
enabled: yes
ratio: 2
inner: {depth: 3}
ptr: {label: p}
list:
  - {depth: 1}
  - &anchor {depth: 2, label: two}
  - *anchor
tags: {"/a": b}
anything: [1, {x: y}]
raw: {whatever: [1, 2]}
untagged: u
merged:
`
	src = strings.Replace(src, "merged:\n", "", 1)
	s := settings{PageSize: 500, Inner: inner{Label: "kept"}}
	if err := DecodeStrict(node(t, src), "s.yaml", &s); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"inline", s.BaseURL, "https://x.example"},
		{"path", s.Path, "people.csv"},
		{"default kept", s.PageSize, 500},
		{"secret", s.Token.Value(), "s3cr3t"},
		{"duration", s.Timeout, time.Minute},
		{"bool", s.Enabled, true},
		{"float from int", s.Ratio, 2.0},
		{"nested", s.Inner.Depth, 3},
		{"nested default kept", s.Inner.Label, "kept"},
		{"pointer", s.Ptr != nil && s.Ptr.Label == "p", true},
		{"list", len(s.List), 3},
		{"alias", s.List[2].Label, "two"},
		{"map", s.Tags["/a"], "b"},
		{"any", len(s.Anything.([]any)), 2},
		{"raw node", s.Raw.Kind, yaml.MappingNode},
		{"untagged field", s.Untagged, "u"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestDecodeStrictMerge(t *testing.T) {
	src := `base: &base {depth: 1, label: base}
over:
  <<: *base
  label: own
`
	var out struct {
		Base inner `yaml:"base"`
		Over inner `yaml:"over"`
	}
	if err := DecodeStrict(node(t, src), "m.yaml", &out); err != nil {
		t.Fatal(err)
	}
	if out.Over.Depth != 1 || out.Over.Label != "own" {
		t.Errorf("merge: %+v, want depth 1 from the base and the own label", out.Over)
	}
	bad := "base: &base {depth: 1, bogus: 2}\nover:\n  <<: *base\n"
	err := DecodeStrict(node(t, bad), "m.yaml", &out)
	if err == nil || !strings.Contains(err.Error(), "m.yaml:1: base.bogus: unknown field") {
		t.Errorf("unknown key behind a merge: %v", err)
	}
}

func TestDecodeStrictErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown key", "path: a\npage_sise: 3\n", []string{"f.yaml:2: connectors[0].settings.page_sise: unknown field (known: base_url, path, page_size"}},
		{"unknown nested key", "inner:\n  depth: 1\n  colour: red\n", []string{"f.yaml:3: connectors[0].settings.inner.colour: unknown field (known: depth, label)"}},
		{"unknown key in a list item", "list:\n  - depth: 1\n  - dept: 2\n", []string{"f.yaml:3: connectors[0].settings.list[1].dept: unknown field"}},
		{"unknown key behind a pointer", "ptr: {nope: 1}\n", []string{"f.yaml:1: connectors[0].settings.ptr.nope: unknown field"}},
		{"skipped field is unknown", "skipped: x\n", []string{"f.yaml:1: connectors[0].settings.skipped: unknown field"}},
		{"wrong type", "page_size: big\n", []string{`f.yaml:1: connectors[0].settings.page_size: expected a whole number, got "big"`}},
		{"secret must be a string", "token: {a: b}\n", []string{"f.yaml:1: connectors[0].settings.token: expected a string, got a mapping"}},
		{"duration", "timeout: 5\n", []string{"f.yaml:1: connectors[0].settings.timeout: expected a duration"}},
		{"bool", "enabled: maybe\n", []string{`f.yaml:1: connectors[0].settings.enabled: expected true or false, got "maybe"`}},
		{"list expected", "list: {depth: 1}\n", []string{"f.yaml:1: connectors[0].settings.list: expected a list, got a mapping"}},
		{"map expected", "tags: [a]\n", []string{"f.yaml:1: connectors[0].settings.tags: expected a mapping, got a list"}},
		{"duplicate key", "path: a\npath: b\n", []string{"f.yaml:2: connectors[0].settings.path: given twice (first at line 1)"}},
		{"settings not a mapping", "- a\n", []string{"f.yaml:1: connectors[0].settings: expected a mapping of base_url, path"}},
		{"all errors, in line order", "page_size: x\ninner: {depth: y}\nbogus: 1\n", []string{
			"f.yaml:1: connectors[0].settings.page_size", "f.yaml:2: connectors[0].settings.inner.depth", "f.yaml:3: connectors[0].settings.bogus"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s settings
			err := DecodeStrictAt(node(t, tc.src), "f.yaml", "connectors[0].settings", &s)
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("%d errors, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestDecodeStrictArgs(t *testing.T) {
	var s settings
	if err := DecodeStrict(node(t, "path: a\n"), "f.yaml", s); err == nil {
		t.Error("a non-pointer was accepted")
	}
	if err := DecodeStrict(&yaml.Node{}, "f.yaml", &s); err != nil {
		t.Errorf("an empty settings node: %v", err)
	}
	if err := DecodeStrict(nil, "f.yaml", &s); err != nil {
		t.Errorf("a nil node: %v", err)
	}
}

// An alias that contains itself must end in an error, not a stack overflow.
func TestDecodeStrictRecursiveAlias(t *testing.T) {
	type rec struct {
		Next *rec `yaml:"next"`
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("&a {next: *a}\n"), &n); err != nil {
		t.Skipf("yaml.v3 refuses the document itself: %v", err)
	}
	var r rec
	if err := DecodeStrict(&n, "r.yaml", &r); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("recursive alias: %v", err)
	}
}
