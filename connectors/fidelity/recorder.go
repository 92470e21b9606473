package fidelity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// transportHeaders are set by net/http or the transport, not by the fake,
// and so are no claim about the vendor.
var transportHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Date": true,
	"Transfer-Encoding": true, "Connection": true, "X-Content-Type-Options": true,
}

// Violation is one thing a fake served that its table does not vouch for.
type Violation struct {
	Kind     Kind
	Endpoint string // the table's pattern, or the request's method and path when none matched
	Name     string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %q on %s", v.Kind, v.Name, v.Endpoint)
}

// Recorder wraps a fake's handler and remembers, per endpoint, what the
// fake served that its table does not list. It is safe for concurrent use.
// It buffers each response body to read its fields, so benchmarks should
// serve the fake without it.
type Recorder struct {
	table *Table
	next  http.Handler

	mu         sync.Mutex
	violations map[Violation]bool
	seen       map[string]bool // endpoint patterns hit
}

// NewRecorder wraps next, the fake's handler, to be checked against t.
func NewRecorder(t *Table, next http.Handler) *Recorder {
	return &Recorder{table: t, next: next, violations: map[Violation]bool{}, seen: map[string]bool{}}
}

// ServeHTTP serves the request through the fake and checks what it sent.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint := rec.table.Endpoint(r)
	var found []Violation
	if endpoint == "" {
		found = append(found, Violation{KindEndpoint, r.Method + " " + r.URL.Path, r.URL.Path})
	} else {
		rec.mu.Lock()
		rec.seen[endpoint] = true
		rec.mu.Unlock()
		found = append(found, rec.params(endpoint, r)...)
	}
	bw := &bufferedWriter{header: http.Header{}}
	rec.next.ServeHTTP(bw, r)
	if endpoint != "" {
		found = append(found, rec.response(endpoint, bw)...)
	}
	rec.mu.Lock()
	for _, v := range found {
		rec.violations[v] = true
	}
	rec.mu.Unlock()

	for k, vs := range bw.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(bw.status())
	_, _ = w.Write(bw.body.Bytes())
}

func (rec *Recorder) params(endpoint string, r *http.Request) []Violation {
	var out []Violation
	names := map[string]bool{}
	for k := range r.URL.Query() {
		names[k] = true
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" && r.Body != nil {
		body := new(bytes.Buffer)
		_, _ = body.ReadFrom(r.Body)
		r.Body.Close()
		if form, err := url.ParseQuery(body.String()); err == nil {
			for k := range form {
				names[k] = true
			}
		}
		r.Body = readCloser{bytes.NewReader(body.Bytes())}
	}
	for k := range names {
		if !rec.table.allows(KindParam, endpoint, k) {
			out = append(out, Violation{KindParam, endpoint, k})
		}
	}
	return out
}

func (rec *Recorder) response(endpoint string, bw *bufferedWriter) []Violation {
	var out []Violation
	status := strconv.Itoa(bw.status())
	if !rec.table.allows(KindStatus, endpoint, status) {
		out = append(out, Violation{KindStatus, endpoint, status})
	}
	for k := range bw.header {
		if !transportHeaders[http.CanonicalHeaderKey(k)] && !rec.table.allows(KindHeader, endpoint, k) {
			out = append(out, Violation{KindHeader, endpoint, http.CanonicalHeaderKey(k)})
		}
	}
	ct, _, _ := mime.ParseMediaType(bw.header.Get("Content-Type"))
	if bw.body.Len() == 0 || !(ct == "application/json" || strings.HasSuffix(ct, "+json")) {
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(bw.body.Bytes()))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return append(out, Violation{KindField, endpoint, "(body is not valid JSON: " + err.Error() + ")"})
	}
	paths := map[string]bool{}
	flatten("", v, paths)
	for p := range paths {
		if !rec.table.allows(KindField, endpoint, p) {
			out = append(out, Violation{KindField, endpoint, p})
		}
	}
	return out
}

// flatten collects the paths of every leaf and every object key of v.
func flatten(prefix string, v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			switch e.(type) {
			case map[string]any, []any:
				flatten(p, e, into)
			default:
				into[p] = true
			}
		}
	case []any:
		p := prefix + "[]"
		if len(x) == 0 {
			return
		}
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				flatten(p, e, into)
			default:
				into[p] = true
			}
		}
	default:
		if prefix != "" {
			into[prefix] = true
		}
	}
}

// Violations lists, sorted, everything served outside the table so far.
func (rec *Recorder) Violations() []Violation {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := make([]Violation, 0, len(rec.violations))
	for v := range rec.violations {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Violation) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// Unused lists the table's endpoints no request reached: rows a test
// suite does not exercise, worth a look but not an error.
func (rec *Recorder) Unused() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, r := range rec.table.Rows {
		if r.Kind == KindEndpoint && !rec.seen[r.Endpoint] {
			out = append(out, r.Endpoint)
		}
	}
	return out
}

// TB is the part of testing.TB that Check needs.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Check fails t with one line per violation.
func (rec *Recorder) Check(t TB) {
	t.Helper()
	for _, v := range rec.Violations() {
		t.Errorf("%s: the fake served %s, which the fidelity table does not list", rec.table.Name, v)
	}
}

type bufferedWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) status() int {
	if b.code == 0 {
		return http.StatusOK
	}
	return b.code
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
