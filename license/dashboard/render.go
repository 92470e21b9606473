package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

//go:embed templates static
var assets embed.FS

// pages maps a page name (its file name without .html) to its template,
// each a clone of the layout with the page's blocks.
type pages map[string]*template.Template

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("Jan 2, 2006")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("Jan 2, 2006 15:04 UTC")
	},
	"isodate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	},
	"pct": func(used, seats int) int {
		if seats <= 0 {
			if used > 0 {
				return 100
			}
			return 0
		}
		return min(100, used*100/seats)
	},
	"join": strings.Join,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"query": func(kv ...string) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Set(kv[i], kv[i+1])
			}
		}
		if len(q) == 0 {
			return ""
		}
		return template.URL("?" + q.Encode())
	},
	"kind": func(s license.Source) string { return s.Kind() },
	"add":  func(a, b int) int { return a + b },
	"thousands": func(n int) string {
		s := strconv.Itoa(n)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		if neg {
			return "-" + s
		}
		return s
	},
}

func parsePages() (pages, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: parse layout: %w", err)
	}
	names, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := pages{}
	for _, n := range names {
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("dashboard: parse %s: %w", n, err)
		}
		p[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return p, nil
}

// view is what the layout needs on every page; each page adds its own
// data in Page.
type view struct {
	Title   string
	Section string // the left-menu entry to mark current
	Viewer  viewer
	Flash   *flash
	Syncs   bool // whether the Syncs page exists
	Page    any
}

// render writes a page. Rendering goes to a buffer first so that a
// template error becomes a clean 500, not half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	t, ok := s.pages[page]
	if !ok {
		s.fail(w, r, fmt.Errorf("no page template %q", page))
		return
	}
	if v.Flash == nil {
		v.Flash = takeFlash(w, r)
	}
	v.Syncs = s.syncs != nil
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.fail(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail logs an unexpected error and shows a page that does not repeat it:
// internal errors may name files and keys a visitor has no need for.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("dashboard request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintln(w, "Something went wrong on our side. The error has been logged; please try again.")
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request, v viewer) {
	s.render(w, r, http.StatusNotFound, "error", view{Title: "Not found", Viewer: v, Page: errorPage{
		Heading: "Page not found",
		Message: "There is nothing here, or it is not yours to see.",
	}})
}

func (s *server) forbidden(w http.ResponseWriter, r *http.Request, v viewer, msg string) {
	s.render(w, r, http.StatusForbidden, "error", view{Title: "Not allowed", Viewer: v, Page: errorPage{
		Heading: "Not allowed",
		Message: msg,
	}})
}

type errorPage struct {
	Heading string
	Message string
}

func staticHandler(files fs.FS) http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
