package config

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DecodeStrict decodes node into out (a non-nil pointer, usually to a
// connector type's settings struct) and, unlike yaml.v3's Node.Decode,
// rejects keys that match no field. Every problem is reported as an *Error
// naming file, line and field path; all of them are returned, joined.
// Keys absent from node leave out's fields as they were, so out may carry
// defaults. A zero node (a connector with no settings block) decodes to
// nothing and is not an error.
func DecodeStrict(node *yaml.Node, file string, out any) error {
	return DecodeStrictAt(node, file, "", out)
}

// DecodeStrictAt is DecodeStrict with field paths in errors prefixed by
// field, e.g. "connectors[0].settings", so an error reads
// "rollcall.yaml:12: connectors[0].settings.path: ...".
func DecodeStrictAt(node *yaml.Node, file, field string, out any) error {
	v := reflect.ValueOf(out)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("config: DecodeStrict needs a non-nil pointer, got %T", out)
	}
	d := newDecoder(file)
	if node != nil && node.Kind != 0 {
		d.decode(node, field, v.Elem(), 0)
	}
	return joinSorted(d.errs)
}

// decoder walks a yaml.Node tree against a Go value, field by field, so
// that every error can name its line and field path, and so unknown keys
// are caught at every depth.
type decoder struct {
	file    string
	errs    []error
	lines   map[string]int    // field path → line of its value
	parents map[string]string // field path → its parent's path
	bad     map[string]bool   // field paths that already have an error
	steps   int               // nodes visited, bounded against alias and merge bombs
}

// maxSteps bounds the work of one decode: aliases and merge keys can make
// a small file describe an exponentially large tree.
const maxSteps = 1 << 18

// spend counts one step and reports whether the budget still allows it;
// the first refusal is reported as an error.
func (d *decoder) spend(n *yaml.Node, path string) bool {
	d.steps++
	if d.steps == maxSteps {
		d.failf(n.Line, path, "too many aliases or merges: the file expands to more than %d values", maxSteps)
	}
	return d.steps < maxSteps
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, lines: map[string]int{}, parents: map[string]string{}, bad: map[string]bool{}}
}

// maxDepth bounds recursion through aliases and self-referencing types.
const maxDepth = 64

var (
	nodeType        = reflect.TypeFor[yaml.Node]()
	durationType    = reflect.TypeFor[time.Duration]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	textType        = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) failf(line int, path, format string, args ...any) {
	d.bad[path] = true
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Field: path, Err: fmt.Errorf(format, args...)})
}

// joinField appends a key to a field path: plain keys with a dot,
// anything else (org unit paths, keys with dots) in brackets and quotes.
func joinField(parent, key string) string {
	plain := key != "" && strings.IndexFunc(key, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
	switch {
	case !plain:
		return fmt.Sprintf("%s[%q]", parent, key)
	case parent == "":
		return key
	}
	return parent + "." + key
}

func indexField(parent string, i int) string { return fmt.Sprintf("%s[%d]", parent, i) }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value, depth int) {
	if _, seen := d.lines[path]; !seen {
		d.lines[path] = n.Line
	}
	if !d.spend(n, path) {
		return
	}
	if depth > maxDepth {
		d.failf(n.Line, path, "nested too deeply")
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.failf(n.Line, path, "alias to an unknown anchor")
			return
		}
		d.decode(n.Alias, path, v, depth+1)
		return
	}
	switch v.Type() {
	case nodeType:
		v.Set(reflect.ValueOf(*n))
		return
	case reflect.PointerTo(nodeType):
		v.Set(reflect.ValueOf(n))
		return
	}
	if isNull(n) {
		return // an empty value keeps what was there (the default)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, path, v.Elem(), depth+1)
		return
	}
	if pt := reflect.PointerTo(v.Type()); pt.Implements(unmarshalerType) || (n.Kind == yaml.ScalarNode && pt.Implements(textType)) {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.failf(n.Line, path, "%s", yamlMessage(err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, path, v, depth)
	case reflect.Map:
		d.decodeMap(n, path, v, depth)
	case reflect.Slice:
		d.decodeSlice(n, path, v, depth)
	case reflect.Interface:
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.failf(n.Line, path, "%s", yamlMessage(err))
		}
	default:
		d.decodeScalar(n, path, v)
	}
}

func (d *decoder) decodeScalar(n *yaml.Node, path string, v reflect.Value) {
	want := scalarWant(v.Type())
	if n.Kind != yaml.ScalarNode {
		d.failf(n.Line, path, "expected %s, got %s", want, kindName(n))
		return
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.failf(n.Line, path, "expected %s, got %q", want, n.Value)
	}
}

func scalarWant(t reflect.Type) string {
	if t == durationType {
		return "a duration such as 30s, 15m or 1h30m"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number not below 0"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return "a value of type " + t.String()
}

// yamlMessage strips yaml.v3's "yaml: unmarshal errors: line N:" framing,
// since our errors carry their own position.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "line ") && i > 0 {
			msg = msg[i+2:]
		}
		return msg
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// pair is one key and value of a mapping, with merge keys (<<) flattened.
type pair struct {
	key, value *yaml.Node
	merged     bool // came in through <<; may be overridden without a duplicate error
}

// pairs lists a mapping's entries, entries merged in with << first, so
// explicit keys override merged ones as YAML specifies.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	var merged, own []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			if depth > maxDepth {
				d.failf(k.Line, path, "nested too deeply")
				continue
			}
			merged = append(merged, d.mergeSources(val, path, depth+1)...)
			continue
		}
		own = append(own, pair{key: k, value: val})
	}
	if len(merged) == 0 {
		return own
	}
	// Later keys win in a struct or map, so merged entries go first.
	return append(merged, own...)
}

func (d *decoder) mergeSources(val *yaml.Node, path string, depth int) []pair {
	if !d.spend(val, path) {
		return nil
	}
	if depth > maxDepth {
		d.failf(val.Line, path, "nested too deeply")
		return nil
	}
	if val.Kind == yaml.AliasNode && val.Alias != nil {
		val = val.Alias
	}
	switch val.Kind {
	case yaml.MappingNode:
		ps := d.pairs(val, path, depth)
		for i := range ps {
			ps[i].merged = true
		}
		return ps
	case yaml.SequenceNode:
		var out []pair
		// Earlier maps in a merge list take precedence, so apply them last.
		for i := len(val.Content) - 1; i >= 0; i-- {
			out = append(out, d.mergeSources(val.Content[i], path, depth+1)...)
		}
		return out
	}
	d.failf(val.Line, path, "<< must merge a mapping or a list of mappings, got %s", kindName(val))
	return nil
}

func keyName(k *yaml.Node) (string, bool) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", false
	}
	return k.Value, true
}

// structField is one settable yaml key of a struct, inline structs flattened.
type structField struct {
	name  string
	index []int
}

func structFields(t reflect.Type) []structField {
	var out []structField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
			for _, sub := range structFields(f.Type) {
				out = append(out, structField{name: sub.name, index: append([]int{i}, sub.index...)})
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name) // yaml.v3's rule for untagged fields
		}
		out = append(out, structField{name: name, index: []int{i}})
	}
	return out
}

func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		d.failf(n.Line, path, "expected a mapping of %s, got %s", fieldList(structFields(v.Type())), kindName(n))
		return
	}
	fields := structFields(v.Type())
	for _, e := range d.entries(n, path, depth, "names") {
		p, name, fp := e.pair, e.name, e.field
		i := -1
		for j, f := range fields {
			if f.name == name {
				i = j
				break
			}
		}
		if i < 0 {
			d.failf(p.key.Line, fp, "unknown field (known: %s)", fieldList(fields))
			continue
		}
		d.parents[fp] = path
		d.decode(p.value, fp, v.FieldByIndex(fields[i].index), depth+1)
	}
}

// entry is one key of a mapping with its name and field path.
type entry struct {
	pair
	name, field string
}

// entries lists a mapping's keys that are plain scalars (what: "names" or
// "values", for the error) and not given twice; merged-in keys may be
// overridden. What it drops is reported.
func (d *decoder) entries(n *yaml.Node, path string, depth int, what string) []entry {
	var out []entry
	seen := map[string]int{}
	for _, p := range d.pairs(n, path, depth) {
		name, ok := keyName(p.key)
		if !ok {
			d.failf(p.key.Line, path, "keys must be plain %s, got %s", what, kindName(p.key))
			continue
		}
		fp := joinField(path, name)
		if !p.merged {
			if first, dup := seen[name]; dup {
				d.failf(p.key.Line, fp, "given twice (first at line %d)", first)
				continue
			}
			seen[name] = p.key.Line
		}
		out = append(out, entry{pair: p, name: name, field: fp})
	}
	return out
}

func fieldList(fields []structField) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

func (d *decoder) decodeMap(n *yaml.Node, path string, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		d.failf(n.Line, path, "expected a mapping, got %s", kindName(n))
		return
	}
	t := v.Type()
	if v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	for _, e := range d.entries(n, path, depth, "values") {
		p, name, fp := e.pair, e.name, e.field
		key := reflect.New(t.Key()).Elem()
		if t.Key().Kind() == reflect.String {
			key.SetString(name)
		} else if err := p.key.Decode(key.Addr().Interface()); err != nil {
			d.failf(p.key.Line, fp, "key: expected %s", scalarWant(t.Key()))
			continue
		}
		elem := reflect.New(t.Elem()).Elem()
		if old := v.MapIndex(key); old.IsValid() {
			elem.Set(old)
		}
		d.parents[fp] = path
		before := len(d.errs)
		d.decode(p.value, fp, elem, depth+1)
		if len(d.errs) == before {
			v.SetMapIndex(key, elem)
		}
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, path string, v reflect.Value, depth int) {
	if n.Kind != yaml.SequenceNode {
		d.failf(n.Line, path, "expected a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		fp := indexField(path, i)
		d.parents[fp] = path
		d.decode(item, fp, s.Index(i), depth+1)
	}
	v.Set(s)
}

// lineIn returns the line of field, or of its nearest ancestor that has one.
func lineIn(lines map[string]int, parents map[string]string, field string) int {
	for range maxDepth * 4 {
		if l, ok := lines[field]; ok && l > 0 {
			return l
		}
		p, ok := parents[field]
		if !ok {
			return lines[""]
		}
		field = p
	}
	return 0
}
