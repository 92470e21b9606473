package fidelity

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// Kind is what a table row vouches for.
type Kind string

// The kinds of row.
const (
	KindEndpoint Kind = "endpoint"
	KindParam    Kind = "param"
	KindField    Kind = "field"
	KindHeader   Kind = "header"
	KindStatus   Kind = "status"
)

// Row is one documented fact a fake may serve.
type Row struct {
	Kind     Kind
	Endpoint string // a ServeMux pattern with method, or "*"
	Name     string
	Source   string // the vendor document it comes from
	Line     int    // line in the table file
}

// Table is one fake's fidelity record.
type Table struct {
	Name string // the file it came from, for messages
	Rows []Row
	mux  *http.ServeMux
}

// Parse reads a fidelity table from Markdown. Errors name the file and
// line; a row without a source is an error, since a fact with no document
// behind it is exactly what the table exists to keep out.
func Parse(name string, md []byte) (*Table, error) {
	t := &Table{Name: name, mux: http.NewServeMux()}
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line, header := 0, false
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "|") {
			continue
		}
		cells := splitRow(text)
		if len(cells) == 0 || strings.Trim(cells[0], "-: ") == "" {
			continue // the separator row
		}
		if strings.EqualFold(cells[0], "kind") {
			header = true
			continue
		}
		if !header {
			return nil, fmt.Errorf("%s:%d: a row before the header row | kind | endpoint | name | source |", name, line)
		}
		if len(cells) < 4 {
			return nil, fmt.Errorf("%s:%d: want 4 cells (kind, endpoint, name, source), have %d", name, line, len(cells))
		}
		r := Row{Kind: Kind(strings.ToLower(cells[0])), Endpoint: unquote(cells[1]), Name: unquote(cells[2]), Source: cells[3], Line: line}
		if r.Source == "" {
			return nil, fmt.Errorf("%s:%d: %s %q has no source document", name, line, r.Kind, r.Name)
		}
		switch r.Kind {
		case KindEndpoint:
			if err := register(t.mux, r.Endpoint); err != nil {
				return nil, fmt.Errorf("%s:%d: endpoint %q: %v", name, line, r.Endpoint, err)
			}
		case KindParam, KindField, KindHeader, KindStatus:
			if r.Name == "" {
				return nil, fmt.Errorf("%s:%d: %s row without a name", name, line, r.Kind)
			}
			if r.Endpoint == "" {
				return nil, fmt.Errorf("%s:%d: %s %q: endpoint column empty (use * for every endpoint)", name, line, r.Kind, r.Name)
			}
		default:
			return nil, fmt.Errorf("%s:%d: unknown kind %q (want endpoint, param, field, header or status)", name, line, cells[0])
		}
		t.Rows = append(t.Rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !header {
		return nil, fmt.Errorf("%s: no table with the header | kind | endpoint | name | source |", name)
	}
	for _, r := range t.Rows {
		if r.Kind != KindEndpoint && r.Endpoint != "*" && !t.hasEndpoint(r.Endpoint) {
			return nil, fmt.Errorf("%s:%d: %s %q names endpoint %q, which has no endpoint row", name, r.Line, r.Kind, r.Name, r.Endpoint)
		}
	}
	return t, nil
}

// MustParse is Parse for tables embedded in a fake: a broken table is a
// programming error found by the fake's first test.
func MustParse(name string, md []byte) *Table {
	t, err := Parse(name, md)
	if err != nil {
		panic(err)
	}
	return t
}

func (t *Table) hasEndpoint(pattern string) bool {
	for _, r := range t.Rows {
		if r.Kind == KindEndpoint && r.Endpoint == pattern {
			return true
		}
	}
	return false
}

// Endpoint returns the table's endpoint pattern that r falls under, or "".
func (t *Table) Endpoint(r *http.Request) string {
	_, pattern := t.mux.Handler(r)
	return pattern
}

// allows reports whether the table has a row of kind for name on endpoint.
func (t *Table) allows(kind Kind, endpoint, name string) bool {
	for _, r := range t.Rows {
		if r.Kind != kind || (r.Endpoint != "*" && r.Endpoint != endpoint) {
			continue
		}
		switch kind {
		case KindField:
			if matchPath(r.Name, name) {
				return true
			}
		case KindHeader:
			if strings.EqualFold(r.Name, name) {
				return true
			}
		default:
			if r.Name == name {
				return true
			}
		}
	}
	return false
}

func register(mux *http.ServeMux, pattern string) (err error) {
	method, _, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || strings.ToUpper(method) != method {
		return fmt.Errorf("want METHOD /path")
	}
	defer func() {
		if p := recover(); p != nil { // ServeMux panics on a bad or duplicate pattern
			err = fmt.Errorf("%v", p)
		}
	}()
	mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	return nil
}

func splitRow(text string) []string {
	text = strings.TrimPrefix(strings.TrimSuffix(text, "|"), "|")
	// A cell may hold a literal pipe as \|.
	text = strings.ReplaceAll(text, `\|`, "\x00")
	parts := strings.Split(text, "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(strings.ReplaceAll(p, "\x00", "|"))
	}
	return parts
}

func unquote(s string) string { return strings.Trim(s, "`") }

// matchPath matches a JSON path against a pattern segment by segment: "*"
// is one segment of any name, "**" the rest of the path.
func matchPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "."), strings.Split(path, ".")
	for i, p := range ps {
		if p == "**" {
			return true
		}
		if i >= len(xs) {
			return false
		}
		if p != "*" && p != xs[i] {
			// "*[]" matches any key holding an array.
			if !(strings.HasPrefix(p, "*[") && strings.HasSuffix(xs[i], p[1:])) {
				return false
			}
		}
	}
	return len(ps) == len(xs)
}
