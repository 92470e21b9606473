package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

var envRefRe = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// loadExampleConfig writes a minimal config holding entries (a
// connectors: list) and loads and opens it as `rollcall config check`
// would. Variables the entries use are set, and a service-account key is
// put where the Google examples point.
func loadExampleConfig(t *testing.T, entries string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for _, m := range envRefRe.FindAllStringSubmatch(entries, -1) {
		t.Setenv(m[1], "example-value-of-"+m[1])
	}
	_, key, err := fakeauth.NewServiceAccount("example@rollcall-fake.iam.gserviceaccount.com", "http://127.0.0.1:1/token")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "google-sa.json"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rollcall.yaml")
	if err := os.WriteFile(path, []byte("store:\n  path: rollcall.db\n"+entries), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("the example does not load:\n%v\n%s", err, entries)
	}
	// Every example's settings decode strictly and validate; the types
	// whose examples this file was written with are also opened (which
	// reads the Google key file), the others' Open may need files of
	// their own.
	for _, cc := range cfg.Connectors {
		typed, err := connectors.NewConfig(cc.Type)
		if err != nil {
			t.Fatal(err)
		}
		if err := config.DecodeStrictAt(&cc.Settings, cfg.File, cc.Field+".settings", typed); err != nil {
			t.Fatalf("the example's settings do not decode:\n%v\n%s", err, entries)
		}
		if err := typed.Validate(); err != nil {
			t.Fatalf("the example's settings are not valid:\n%v\n%s", err, entries)
		}
		if opened[cc.Type] {
			if _, err := typed.Open(connectors.OpenOptions{Name: cc.Name, BaseDir: cfg.Dir, Logger: slog.New(slog.DiscardHandler)}); err != nil {
				t.Fatalf("the example's settings do not open:\n%v\n%s", err, entries)
			}
		}
	}
	return cfg
}

// opened are the types whose examples are opened as well as validated.
var opened = map[string]bool{"static": true, "google-directory": true, "google-classroom": true, "oneroster": true, "oneroster-csv": true}

// TestConnectorExamplesComplete decodes each connector type's example
// through the config package and checks that every setting its settings
// type accepts (nested ones too, such as retry.max_attempts) appears in
// it, set or commented out, so that a new setting without documentation
// fails here.
func TestConnectorExamplesComplete(t *testing.T) {
	types := connectors.Types()
	if len(types) < 5 {
		t.Fatalf("only %d connector types registered: %v", len(types), types)
	}
	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			cfg, err := connectors.NewConfig(typ)
			if err != nil {
				t.Fatal(err)
			}
			ex, ok := cfg.(connectors.Exampler)
			if !ok {
				t.Fatalf("connector type %s does not implement connectors.Exampler", typ)
			}
			text := ex.Example()
			if !strings.HasPrefix(text, "  - name: ") {
				t.Errorf("example does not start with an indented \"- name:\" entry:\n%s", text)
			}
			loaded := loadExampleConfig(t, "connectors:\n"+text)
			if len(loaded.Connectors) != 1 || loaded.Connectors[0].Type != typ {
				t.Fatalf("example holds %d connectors, first of type %q; want one of type %s", len(loaded.Connectors), loaded.Connectors[0].Type, typ)
			}
			shown := exampleKeys(text)
			want := settingKeys(reflect.TypeOf(cfg), "")
			if len(want) == 0 {
				t.Fatalf("no yaml settings found on %T", cfg)
			}
			for _, k := range want {
				if !shown[k] {
					t.Errorf("setting %q of %T is not in the example (set it or show it commented out)", k, cfg)
				}
			}
			for k := range shown {
				if !slices.Contains(want, k) {
					t.Errorf("the example shows %q, which %T does not accept", k, cfg)
				}
			}
		})
	}
}

// settingKeys lists the yaml keys of a settings struct as dotted paths,
// descending into nested structs (but not into leaf types such as
// time.Duration or config.Secret).
func settingKeys(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if opts == "inline" { // its keys sit beside the others (canvas's retry)
			out = append(out, settingKeys(f.Type, prefix)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.NumField() > 0 && ft.PkgPath() != "time" {
			out = append(out, settingKeys(ft, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

var exampleKeyRe = regexp.MustCompile(`^( *)(?:# ?)?([a-z][a-z0-9_]*):(?:\s|$)`)

// exampleKeys reads the keys under settings: of an example entry, as
// dotted paths by indentation, counting commented-out keys ("# key:") as
// shown.
func exampleKeys(text string) map[string]bool {
	type level struct {
		indent int
		key    string
	}
	var stack []level
	keys := map[string]bool{}
	settingsIndent := -1
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\n")
		m := exampleKeyRe.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		indent, key, rest := m[3]-m[2], line[m[4]:m[5]], strings.TrimSpace(line[m[1]:])
		if key == "settings" {
			settingsIndent, stack = indent, nil
			continue
		}
		if settingsIndent < 0 || indent <= settingsIndent {
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, level{indent, key})
		parts := make([]string, len(stack))
		for i, l := range stack {
			parts[i] = l.key
		}
		path := strings.Join(parts, ".")
		// A flow mapping on the line ("retry: {max_attempts: 6, ...}")
		// holds the block's settings.
		if inner, ok := strings.CutPrefix(rest, "{"); ok {
			inner, _, _ = strings.Cut(inner, "}")
			for kv := range strings.SplitSeq(inner, ",") {
				if k, _, ok := strings.Cut(kv, ":"); ok {
					keys[path+"."+strings.TrimSpace(k)] = true
				}
			}
			continue
		}
		keys[path] = true
	}
	// A key with children is a block, not a setting of its own.
	for k := range keys {
		if i := strings.LastIndexByte(k, '.'); i > 0 {
			delete(keys, k[:i])
		}
	}
	return keys
}

// TestConfigExampleConnectorCommand runs the command: one type, all types
// (a loadable connectors: list), and an unknown type naming the known ones.
func TestConfigExampleConnectorCommand(t *testing.T) {
	e := newEnv(t)
	one := e.ok("", "config", "example", "--connector", "google-directory")
	if !strings.Contains(one.stdout, "type: google-directory") || strings.Contains(one.stdout, "type: static") {
		t.Fatalf("--connector google-directory printed:\n%s", one.stdout)
	}
	all := e.ok("", "config", "example", "--connector", "all")
	for _, typ := range connectors.Types() {
		if !regexp.MustCompile(`(?m)^ +type: ` + regexp.QuoteMeta(typ) + `( |$)`).MatchString(all.stdout) {
			t.Errorf("--connector all has no entry of type %s", typ)
		}
	}
	loadExampleConfig(t, all.stdout)

	bad := e.fail(2, "", "config", "example", "--connector", "google-drive")
	if !strings.Contains(bad.stderr, `"google-drive"`) || !strings.Contains(bad.stderr, "google-directory") || !strings.Contains(bad.stderr, "static, or all") {
		t.Fatalf("unknown type should be named with the known types:\n%s", bad)
	}
	full := e.ok("", "config", "example")
	if !strings.Contains(full.stdout, "deployments:") {
		t.Fatalf("config example without --connector should print the whole file:\n%s", full.stdout)
	}
}
