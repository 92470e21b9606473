package fakeauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// Discovery is a Google API discovery document, as shipped inside the
// google.golang.org/api module (admin/directory/v1/admin-api.json,
// classroom/v1/classroom-api.json). The Google fakes' tests hold what
// the fakes serve to it: Google's own schema of each method's response and
// the parameters each method takes.
type Discovery struct {
	Name        string                     `json:"name"`
	RootURL     string                     `json:"rootUrl"`
	ServicePath string                     `json:"servicePath"`
	Parameters  map[string]json.RawMessage `json:"parameters"` // system parameters: alt, fields, prettyPrint...
	Schemas     map[string]*Schema         `json:"schemas"`
	Resources   map[string]*resource       `json:"resources"`

	File string `json:"-"` // where it was read from
}

type resource struct {
	Methods   map[string]*Method   `json:"methods"`
	Resources map[string]*resource `json:"resources"`
}

// Method is one API method of a discovery document.
type Method struct {
	ID         string                     `json:"id"`
	HTTPMethod string                     `json:"httpMethod"`
	Path       string                     `json:"path"`
	FlatPath   string                     `json:"flatPath"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Response   *Schema                    `json:"response"`
}

// Schema is a JSON schema of a discovery document.
type Schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Properties           map[string]*Schema `json:"properties"`
	Items                *Schema            `json:"items"`
	AdditionalProperties *Schema            `json:"additionalProperties"`
}

// GoogleAPIModuleDir finds the google.golang.org/api module in the module
// cache, offline, by asking the go command of the module being tested.
func GoogleAPIModuleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "google.golang.org/api").Output()
	if err != nil {
		return "", fmt.Errorf("find google.golang.org/api in the module cache (go list -m): %w", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("go list -m google.golang.org/api: the module is not downloaded (run go mod download)")
	}
	return dir, nil
}

// LoadDiscovery reads the discovery document at rel inside the
// google.golang.org/api module, e.g. "admin/directory/v1/admin-api.json".
func LoadDiscovery(rel string) (*Discovery, error) {
	dir, err := GoogleAPIModuleDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, filepath.FromSlash(rel))
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("discovery document: %w", err)
	}
	var d Discovery
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("discovery document %s: %w", path, err)
	}
	d.File = path
	return &d, nil
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// MethodFor returns the method a fidelity table's endpoint ("GET
// /admin/directory/v1/users/{userKey}") serves, matching the method and
// the path with parameter names ignored, or nil.
func (d *Discovery) MethodFor(endpoint string) *Method {
	verb, path, _ := strings.Cut(endpoint, " ")
	want := pathParam.ReplaceAllString(path, "{}")
	var found *Method
	var walk func(map[string]*resource)
	walk = func(rs map[string]*resource) {
		for _, r := range rs {
			for _, m := range r.Methods {
				for _, p := range []string{m.Path, m.FlatPath} {
					full := "/" + strings.TrimPrefix(d.ServicePath+p, "/")
					if m.HTTPMethod == verb && p != "" && pathParam.ReplaceAllString(full, "{}") == want {
						found = m
					}
				}
			}
			walk(r.Resources)
		}
	}
	walk(d.Resources)
	return found
}

// CheckParam reports whether name is a parameter of m or a system
// parameter of the API.
func (d *Discovery) CheckParam(m *Method, name string) error {
	if _, ok := d.Parameters[name]; ok {
		return nil
	}
	if m != nil {
		if _, ok := m.Parameters[name]; ok {
			return nil
		}
		return fmt.Errorf("%s: no parameter %q in %s", m.ID, name, filepath.Base(d.File))
	}
	return fmt.Errorf("no system parameter %q in %s", name, filepath.Base(d.File))
}

func (d *Discovery) resolve(s *Schema) (*Schema, error) {
	for i := 0; s != nil && s.Ref != "" && i < 32; i++ {
		next, ok := d.Schemas[s.Ref]
		if !ok {
			return nil, fmt.Errorf("schema %q is not defined", s.Ref)
		}
		s = next
	}
	return s, nil
}

// CheckField reports whether a JSON path of m's response, in the fidelity
// package's form ("users[].name.fullName"), is in m's response schema,
// following $ref, array items and additionalProperties. A property of
// type any admits everything below it.
func (d *Discovery) CheckField(m *Method, path string) error {
	if m.Response == nil {
		return fmt.Errorf("%s has no response schema", m.ID)
	}
	s := m.Response
	for seg := range strings.SplitSeq(path, ".") {
		key := strings.TrimRight(seg, "[]")
		arrays := (len(seg) - len(key)) / 2
		var err error
		if s, err = d.resolve(s); err != nil {
			return err
		}
		if s.Type == "any" {
			return nil
		}
		if key != "" {
			next, ok := s.Properties[key]
			switch {
			case ok:
				s = next
			case s.AdditionalProperties != nil:
				s = s.AdditionalProperties
			default:
				return fmt.Errorf("%s: %q is not in the response schema (no %q)", m.ID, path, key)
			}
		}
		for range arrays {
			if s, err = d.resolve(s); err != nil {
				return err
			}
			if s.Type == "any" {
				return nil
			}
			if s.Type != "array" || s.Items == nil {
				return fmt.Errorf("%s: %q: %q is not an array in the schema", m.ID, path, key)
			}
			s = s.Items
		}
	}
	return nil
}

// JSONPaths lists the leaf paths of a JSON body in the fidelity package's
// form: keys joined by ".", "[]" for array elements. Empty arrays and
// objects add their own path.
func JSONPaths(body []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	var walk func(string, any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 && p != "" {
				set[p] = true
			}
			for k, e := range x {
				if p != "" {
					k = p + "." + k
				}
				walk(k, e)
			}
		case []any:
			if len(x) == 0 {
				set[p+"[]"] = true
			}
			for _, e := range x {
				walk(p+"[]", e)
			}
		default:
			set[p] = true
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// CheckTable holds every row of a fake's fidelity table to the discovery
// document: each endpoint a method, each parameter one of the method's (or
// a system parameter), each field a property of the method's response
// schema. Rows for every endpoint ("*") may only be error-body fields
// ("error.…"): Google's common error format, which discovery documents do
// not describe. It returns how many rows it checked and what disagreed,
// each naming the table's line.
func (d *Discovery) CheckTable(tab *fidelity.Table) (checked int, problems []error) {
	for _, r := range tab.Rows {
		var m *Method
		if r.Endpoint != "*" {
			if m = d.MethodFor(r.Endpoint); m == nil {
				problems = append(problems, fmt.Errorf("%s:%d: endpoint %q is no method of the discovery document", tab.Name, r.Line, r.Endpoint))
				continue
			}
		}
		var err error
		switch {
		case r.Kind == fidelity.KindParam:
			err = d.CheckParam(m, r.Name)
			checked++
		case r.Kind == fidelity.KindField && m == nil:
			if !strings.HasPrefix(r.Name, "error.") {
				err = fmt.Errorf("field %q for every endpoint, but only error-body fields may be", r.Name)
			}
		case r.Kind == fidelity.KindField:
			err = d.CheckField(m, r.Name)
			checked++
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("%s:%d: %w", tab.Name, r.Line, err))
		}
	}
	return checked, problems
}
