package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes holds the document and the mux together: every
// route is described and every described path and method is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	r := f.do("", "GET", "/openapi.json", "", "")
	if r.status != 200 {
		t.Fatalf("GET /openapi.json: %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Servers []struct{ URL string }                `json:"servers"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Servers) != 1 || doc.Servers[0].URL != Prefix {
		t.Fatalf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	var described []string
	for path, ops := range doc.Paths {
		for m, op := range ops {
			described = append(described, strings.ToUpper(m)+" "+path)
			var o struct {
				Summary   string         `json:"summary"`
				Responses map[string]any `json:"responses"`
			}
			if err := json.Unmarshal(op, &o); err != nil || o.Summary == "" || len(o.Responses) == 0 {
				t.Errorf("%s %s: no summary or responses", m, path)
			}
		}
	}
	var served []string
	for _, rt := range (&server{}).routes() {
		served = append(served, rt.method+" "+rt.path)
	}
	for _, s := range served {
		if !slices.Contains(described, s) {
			t.Errorf("route %s is not in openapi.json", s)
		}
	}
	for _, d := range described {
		if !slices.Contains(served, d) {
			t.Errorf("openapi.json describes %s, which is not served", d)
		}
	}
	// And the mux itself answers each described path with that method
	// (not 404 no-route or 405): a route registered under a typo'd
	// pattern would fail here.
	mux := New(Options{Store: f.store, Auth: f.auth})
	for _, d := range described {
		method, path, _ := strings.Cut(d, " ")
		path = strings.NewReplacer("{id}", "x", "{email}", "a@b.org", "{domain}", "b.org", "{name}", "n", "{connector}", "c").Replace(path)
		req, _ := http.NewRequest(method, Prefix+path, nil)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if strings.Contains(rec.Body.String(), "no API route") || rec.Code == http.StatusMethodNotAllowed {
			t.Errorf("%s: %d %s", d, rec.Code, rec.Body.String())
		}
	}
}
