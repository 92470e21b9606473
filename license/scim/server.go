package scim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/rollcall-sync/rollcall/license"
)

// Prefix is where the SCIM routes are served.
const Prefix = "/scim/v2"

const (
	contentType = "application/scim+json"
	maxBody     = 1 << 20
	// DefaultCount and MaxCount bound list pages; ServiceProviderConfig
	// announces MaxCount as filter.maxResults.
	DefaultCount = 100
	MaxCount     = 200
)

// Options are a Server's dependencies.
type Options struct {
	Store    Store
	Licenses license.Store
	Logger   *slog.Logger
	Now      func() time.Time
}

// Server serves /scim/v2 for every connection; the bearer token says
// which connection a request belongs to.
type Server struct {
	store    Store
	licenses license.Store
	log      *slog.Logger
	now      func() time.Time
	mux      *http.ServeMux
	// writes serializes the changes of all connections: each change
	// reads, decides and writes resources and claims, and two of them
	// interleaved could lose one (a group PATCH beside a user DELETE).
	writes sync.Mutex
}

// New builds the handler.
func New(o Options) *Server {
	s := &Server{store: o.Store, licenses: o.Licenses, log: o.Logger, now: o.Now, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.mux.HandleFunc("GET "+Prefix+"/ServiceProviderConfig", s.spConfig)
	s.mux.HandleFunc("GET "+Prefix+"/ResourceTypes", s.resourceTypes)
	s.mux.HandleFunc("GET "+Prefix+"/ResourceTypes/{name}", s.resourceTypes)
	s.mux.HandleFunc("GET "+Prefix+"/Schemas", s.schemas)
	s.mux.HandleFunc("GET "+Prefix+"/Schemas/{id}", s.schemas)
	for _, kind := range []string{KindUser, KindGroup} {
		base := Prefix + "/" + kind + "s"
		s.mux.Handle("GET "+base, s.authed(kind, s.list))
		s.mux.Handle("POST "+base, s.authed(kind, s.create))
		s.mux.Handle("GET "+base+"/{id}", s.authed(kind, s.get))
		s.mux.Handle("PUT "+base+"/{id}", s.authed(kind, s.replace))
		s.mux.Handle("PATCH "+base+"/{id}", s.authed(kind, s.patch))
		s.mux.Handle("DELETE "+base+"/{id}", s.authed(kind, s.remove))
	}
	s.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &Error{Status: 404, Detail: fmt.Sprintf("no SCIM endpoint %s %s", r.Method, r.URL.Path)})
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("scim: panic", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(w, &Error{Status: 500, Detail: "internal error"})
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// call is one authenticated request.
type call struct {
	conn Connection
	kind string
	w    http.ResponseWriter
	r    *http.Request
}

func (s *Server) authed(kind string, h func(*call) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			// Some clients write the scheme in lower case.
			tok, ok = strings.CutPrefix(r.Header.Get("Authorization"), "bearer ")
		}
		tok = strings.TrimSpace(tok)
		if !ok || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rollcall-scim"`)
			writeError(w, &Error{Status: 401, Detail: "a bearer token is required: make one with 'rollcall scim token create'"})
			return
		}
		conn, err := s.store.ConnectionByToken(r.Context(), HashToken(tok))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rollcall-scim", error="invalid_token"`)
			writeError(w, &Error{Status: 401, Detail: "the bearer token is not valid"})
			return
		}
		c := &call{conn: conn, kind: kind, w: w, r: r}
		if err := h(c); err != nil {
			var se *Error
			if !errors.As(err, &se) {
				s.log.Error("scim: request failed", "connection", conn.Name, "method", r.Method, "path", r.URL.Path, "err", err)
				se = &Error{Status: 500, Detail: "internal error"}
			}
			writeError(w, se)
		}
	})
}

func (s *Server) list(c *call) error {
	q := c.r.URL.Query()
	start, err := intParam(q.Get("startIndex"), 1)
	if err != nil {
		return err
	}
	count, err := intParam(q.Get("count"), DefaultCount)
	if err != nil {
		return err
	}
	start, count = max(start, 1), min(max(count, 0), MaxCount)
	var expr filter.Expression
	if f := q.Get("filter"); f != "" {
		e, err := parseFilter(f)
		if err != nil {
			return err
		}
		expr = e
	}
	groups, err := s.groupIndex(c.r.Context(), c.conn.Name)
	if err != nil {
		return err
	}
	var hits []Resource
	var matchErr error
	err = s.store.List(c.r.Context(), c.conn.Name, c.kind, func(r Resource) error {
		if c.kind == KindUser {
			r.Doc["groups"] = groups.of(r.ID)
		}
		if expr != nil {
			ok, err := match(c.kind, r, expr)
			if err != nil {
				matchErr = err
				return err
			}
			if !ok {
				return nil
			}
		}
		hits = append(hits, r)
		return nil
	})
	if matchErr != nil {
		return matchErr
	}
	if err != nil {
		return err
	}
	page := []any{}
	for i := start - 1; i < len(hits) && len(page) < count; i++ {
		page = append(page, s.render(c, hits[i]))
	}
	return writeJSON(c.w, http.StatusOK, "", map[string]any{
		"schemas": []string{SchemaList}, "totalResults": len(hits), "startIndex": start,
		"itemsPerPage": len(page), "Resources": page,
	})
}

func (s *Server) get(c *call) error {
	r, err := s.store.Get(c.r.Context(), c.conn.Name, c.kind, c.r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		return notFound(c.kind + " " + c.r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	if c.kind == KindUser {
		groups, err := s.groupIndex(c.r.Context(), c.conn.Name)
		if err != nil {
			return err
		}
		r.Doc["groups"] = groups.of(r.ID)
	}
	return writeJSON(c.w, http.StatusOK, etag(r), s.render(c, r))
}

func (s *Server) create(c *call) error {
	doc, err := readDoc(c.r, c.kind)
	if err != nil {
		return err
	}
	s.writes.Lock()
	defer s.writes.Unlock()
	ctx := c.r.Context()
	if c.kind == KindGroup {
		if err := s.checkMembers(ctx, c.conn.Name, doc); err != nil {
			return err
		}
	}
	now := s.now().UTC()
	r := Resource{Kind: c.kind, ID: newID(), Created: now, Modified: now, Doc: doc}
	r, err = s.store.Put(ctx, c.conn.Name, r)
	if errors.Is(err, ErrExists) {
		return &Error{Status: 409, Type: "uniqueness", Detail: fmt.Sprintf("userName %q is already provisioned on this connection", userNameOf(doc))}
	}
	if err != nil {
		return err
	}
	if err := s.reconcileAfter(ctx, c.conn, nil, &r); err != nil {
		return err
	}
	c.w.Header().Set("Location", location(c.r, r))
	return writeJSON(c.w, http.StatusCreated, etag(r), s.render(c, r))
}

func (s *Server) replace(c *call) error {
	doc, err := readDoc(c.r, c.kind)
	if err != nil {
		return err
	}
	return s.mutate(c, func(map[string]any) (map[string]any, error) { return doc, nil })
}

func (s *Server) patch(c *call) error {
	body, err := readBody(c.r)
	if err != nil {
		return err
	}
	ops, err := decodePatch(body)
	if err != nil {
		return err
	}
	return s.mutate(c, func(old map[string]any) (map[string]any, error) { return applyPatch(c.kind, old, ops) })
}

// mutate replaces a resource with what change makes of it, honouring
// If-Match, and reconciles the claims it affects.
func (s *Server) mutate(c *call, change func(map[string]any) (map[string]any, error)) error {
	s.writes.Lock()
	defer s.writes.Unlock()
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	old, err := s.store.Get(ctx, c.conn.Name, c.kind, id)
	if errors.Is(err, ErrNotFound) {
		return notFound(c.kind + " " + id)
	}
	if err != nil {
		return err
	}
	if err := checkIfMatch(c.r, old); err != nil {
		return err
	}
	doc, err := change(old.Doc)
	if err != nil {
		return err
	}
	if c.kind == KindGroup {
		if err := s.checkMembers(ctx, c.conn.Name, doc); err != nil {
			return err
		}
	}
	next := old
	next.Doc, next.Modified = doc, s.now().UTC()
	next, err = s.store.Put(ctx, c.conn.Name, next)
	switch {
	case errors.Is(err, ErrExists):
		return &Error{Status: 409, Type: "uniqueness", Detail: fmt.Sprintf("userName %q is already provisioned on this connection", userNameOf(doc))}
	case errors.Is(err, ErrConflict):
		return &Error{Status: 412, Detail: err.Error()}
	case err != nil:
		return err
	}
	if err := s.reconcileAfter(ctx, c.conn, &old, &next); err != nil {
		return err
	}
	if c.kind == KindUser {
		groups, err := s.groupIndex(ctx, c.conn.Name)
		if err != nil {
			return err
		}
		next.Doc["groups"] = groups.of(next.ID)
	}
	return writeJSON(c.w, http.StatusOK, etag(next), s.render(c, next))
}

func (s *Server) remove(c *call) error {
	s.writes.Lock()
	defer s.writes.Unlock()
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	old, err := s.store.Get(ctx, c.conn.Name, c.kind, id)
	if errors.Is(err, ErrNotFound) {
		return notFound(c.kind + " " + id)
	}
	if err != nil {
		return err
	}
	if err := checkIfMatch(c.r, old); err != nil {
		return err
	}
	if err := s.store.Delete(ctx, c.conn.Name, c.kind, id); err != nil {
		return err
	}
	if c.kind == KindUser {
		// The user leaves every group of the connection too.
		if err := s.dropMember(ctx, c.conn.Name, id); err != nil {
			return err
		}
	}
	if err := s.reconcileAfter(ctx, c.conn, &old, nil); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkMembers refuses a group naming a member the connection has not
// provisioned.
func (s *Server) checkMembers(ctx context.Context, conn string, doc map[string]any) error {
	list, _ := doc["members"].([]any)
	for i, m := range list {
		el, _ := m.(map[string]any)
		id, _ := el["value"].(string)
		if id == "" {
			return badValue(fmt.Sprintf("members[%d].value", i), "is required")
		}
		if _, err := s.store.Get(ctx, conn, KindUser, id); errors.Is(err, ErrNotFound) {
			return badValue(fmt.Sprintf("members[%d].value", i), "no user %q on this connection", id)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) dropMember(ctx context.Context, conn, userID string) error {
	var changed []Resource
	err := s.store.List(ctx, conn, KindGroup, func(g Resource) error {
		list, _ := g.Doc["members"].([]any)
		keep := slices.DeleteFunc(slices.Clone(list), func(m any) bool {
			el, _ := m.(map[string]any)
			return el["value"] == userID
		})
		if len(keep) != len(list) {
			g.Doc["members"] = keep
			changed = append(changed, g)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range changed {
		g.Modified = s.now().UTC()
		if _, err := s.store.Put(ctx, conn, g); err != nil {
			return err
		}
	}
	return nil
}

// render is a resource as SCIM shows it: schemas, id, meta and the doc.
func (s *Server) render(c *call, r Resource) map[string]any {
	out := map[string]any{}
	for k, v := range r.Doc {
		out[k] = v
	}
	schemas := []string{SchemaUser}
	if r.Kind == KindGroup {
		schemas = []string{SchemaGroup}
	} else if _, ok := r.Doc[SchemaEnterprise]; ok {
		schemas = append(schemas, SchemaEnterprise)
	}
	if g, ok := out["groups"].([]any); ok && len(g) == 0 {
		delete(out, "groups")
	}
	out["schemas"] = schemas
	out["id"] = r.ID
	out["meta"] = map[string]any{
		"resourceType": r.Kind, "created": r.Created.Format(time.RFC3339), "lastModified": r.Modified.Format(time.RFC3339),
		"location": location(c.r, r), "version": etag(r),
	}
	return out
}

// groupIndex answers which groups a user is in.
type groupIndex map[string][]any

func (g groupIndex) of(userID string) []any {
	if l := g[userID]; l != nil {
		return l
	}
	return []any{}
}

func (s *Server) groupIndex(ctx context.Context, conn string) (groupIndex, error) {
	idx := groupIndex{}
	err := s.store.List(ctx, conn, KindGroup, func(g Resource) error {
		name, _ := g.Doc["displayName"].(string)
		list, _ := g.Doc["members"].([]any)
		for _, m := range list {
			el, _ := m.(map[string]any)
			if id, _ := el["value"].(string); id != "" {
				idx[id] = append(idx[id], map[string]any{"value": g.ID, "display": name, "type": "direct"})
			}
		}
		return nil
	})
	return idx, err
}

func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != contentType && mt != "application/json") {
			return nil, &Error{Status: 415, Detail: fmt.Sprintf("Content-Type %q: want %s or application/json", ct, contentType)}
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: "body: " + err.Error()}
	}
	if len(body) > maxBody {
		return nil, &Error{Status: 413, Detail: fmt.Sprintf("body is over %d bytes", maxBody)}
	}
	return body, nil
}

func readDoc(r *http.Request, kind string) (map[string]any, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: "body: " + err.Error()}
	}
	return normalize(kind, raw)
}

func writeJSON(w http.ResponseWriter, status int, tag string, v any) error {
	w.Header().Set("Content-Type", contentType)
	if tag != "" {
		w.Header().Set("ETag", tag)
	}
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func etag(r Resource) string { return `W/"` + strconv.Itoa(r.Version) + `"` }

func checkIfMatch(r *http.Request, res Resource) error {
	want := r.Header.Get("If-Match")
	if want == "" || want == "*" {
		return nil
	}
	for _, t := range strings.Split(want, ",") {
		if strings.TrimSpace(t) == etag(res) {
			return nil
		}
	}
	return &Error{Status: 412, Detail: fmt.Sprintf("If-Match %s: the resource is at %s", want, etag(res))}
}

func location(r *http.Request, res Resource) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix + "/" + res.Kind + "s/" + res.ID
}

func intParam(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &Error{Status: 400, Type: "invalidValue", Detail: fmt.Sprintf("%q is not a number", v)}
	}
	return n, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
