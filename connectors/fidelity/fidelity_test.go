package fidelity

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const sample = `# Sample vendor

| kind | endpoint | name | source |
| --- | --- | --- | --- |
| endpoint | GET /v1/things | | vendor doc "List things" |
| endpoint | POST /v1/token | | vendor doc "Token" |
| param | GET /v1/things | per_page | vendor doc |
| param | POST /v1/token | grant_type | vendor doc |
| field | GET /v1/things | [].id | vendor doc |
| field | GET /v1/things | [].name.* | vendor doc |
| field | * | errors[].message | vendor doc |
| header | GET /v1/things | Link | vendor doc |
| status | * | 200 | vendor doc |
| status | * | 404 | vendor doc |
`

func TestRecorder(t *testing.T) {
	tab, err := Parse("FIDELITY.md", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, target, contentType, body string
		handler                                 http.HandlerFunc
		want                                    []string
	}{
		{"documented", "GET", "/v1/things?per_page=10", "", "",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Link", `<x>; rel="next"`)
				fmt.Fprint(w, `[{"id":1,"name":{"first":"a","last":"b"}}]`)
			}, nil},
		{"undocumented field", "GET", "/v1/things", "", "",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				fmt.Fprint(w, `[{"id":1,"email":"x@y"}]`)
			}, []string{`field "[].email" on GET /v1/things`}},
		{"undocumented param, header and status", "GET", "/v1/things?include[]=email", "", "",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Secret-Sauce", "1")
				w.WriteHeader(http.StatusTeapot)
			}, []string{`header "X-Secret-Sauce" on GET /v1/things`, `param "include[]" on GET /v1/things`, `status "418" on GET /v1/things`}},
		{"unknown endpoint", "GET", "/v1/other", "", "",
			func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) },
			[]string{`endpoint "/v1/other" on GET /v1/other`}},
		{"form params, body still readable", "POST", "/v1/token", "application/x-www-form-urlencoded", "grant_type=x&client_secret=s",
			func(w http.ResponseWriter, r *http.Request) {
				if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "x" {
					w.WriteHeader(500)
				}
			}, []string{`param "client_secret" on POST /v1/token`}},
		{"error body on any endpoint", "GET", "/v1/things", "", "",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(404)
				fmt.Fprint(w, `{"errors":[{"message":"gone"}]}`)
			}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := NewRecorder(tab, c.handler)
			srv := httptest.NewServer(rec)
			defer srv.Close()
			req, _ := http.NewRequest(c.method, srv.URL+c.target, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			var got []string
			for _, v := range rec.Violations() {
				got = append(got, v.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if resp.StatusCode == 500 {
				t.Error("the fake could not read its form body through the recorder")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	head := "| kind | endpoint | name | source |\n|---|---|---|---|\n"
	cases := map[string]struct{ md, want string }{
		"no source":        {head + "| field | * | id | |\n", "F.md:3: field \"id\" has no source"},
		"bad kind":         {head + "| colour | * | id | doc |\n", "F.md:3: unknown kind"},
		"unknown endpoint": {head + "| field | GET /x | id | doc |\n", "F.md:3: field \"id\" names endpoint \"GET /x\""},
		"bad pattern":      {head + "| endpoint | /x | | doc |\n", "F.md:3: endpoint \"/x\""},
		"no header":        {"| field | * | id | doc |\n", "F.md:1: a row before the header"},
		"no table":         {"prose only\n", "F.md: no table"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("F.md", []byte(c.md))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestMatchPath(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"users[].name.fullName", "users[].name.fullName", true},
		{"users[].name.*", "users[].name.givenName", true},
		{"users[].name.*", "users[].name.a.b", false},
		{"users[].customSchemas.**", "users[].customSchemas.a.b", true},
		{"users[].id", "users[].idx", false},
		{"roles.*[]", "roles.student[]", true},
		{"a", "a.b", false},
	}
	for _, c := range cases {
		if got := matchPath(c.pattern, c.path); got != c.want {
			t.Errorf("matchPath(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}
