package oauth2token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// rotatingServer is a token endpoint whose refresh tokens are single use:
// each grant kills the token it spends and issues the next.
type rotatingServer struct {
	mu     sync.Mutex
	live   map[string]bool
	n      int
	grants int
}

func newRotatingServer(t *testing.T, seed string) (*rotatingServer, *httptest.Server) {
	s := &rotatingServer{live: map[string]bool{seed: true}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		rt := r.PostForm.Get("refresh_token")
		if r.PostForm.Get("grant_type") != "refresh_token" || !s.live[rt] {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		delete(s.live, rt)
		s.n++
		s.grants++
		next := fmt.Sprintf("rt-%d", s.n)
		s.live[next] = true
		fmt.Fprintf(w, `{"access_token":"at-%d","token_type":"Bearer","expires_in":3600,"refresh_token":%q}`, s.n, next)
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

func config(srv *httptest.Server) oauth2.Config {
	return oauth2.Config{ClientID: "id", ClientSecret: "secret",
		Endpoint: oauth2.Endpoint{TokenURL: srv.URL, AuthStyle: oauth2.AuthStyleInParams}}
}

func fileToken(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st tokenState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.RefreshToken
}

func TestRotatingSavesBeforeUse(t *testing.T) {
	ctx := context.Background()
	_, srv := newRotatingServer(t, "seed")
	path := filepath.Join(t.TempDir(), "state", "token.json")
	src, rot := NewRotating(config(srv), "seed", path, srv.Client())

	at, err := src.Token(ctx)
	if err != nil || at != "at-1" {
		t.Fatalf("first token = %q, %v", at, err)
	}
	if got := fileToken(t, path); got != "rt-1" {
		t.Fatalf("file holds %q after the first grant, want the rotated rt-1", got)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if at, _ := src.Token(ctx); at != "at-1" {
		t.Fatalf("a valid token was not reused: %q", at)
	}
	src.Invalidate()
	if at, err := src.Token(ctx); err != nil || at != "at-2" {
		t.Fatalf("token after invalidate = %q, %v", at, err)
	}
	if got := fileToken(t, path); got != "rt-2" {
		t.Fatalf("file holds %q, want rt-2", got)
	}
	if rt, _ := rot.RefreshToken(); rt != "rt-2" {
		t.Fatalf("next refresh token %q, want rt-2", rt)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("folder holds %d files, want only the token file (no temporaries left)", len(entries))
	}

	// A restart resumes from the file: the seed is spent and would fail.
	src2, _ := NewRotating(config(srv), "seed", path, srv.Client())
	if at, err := src2.Token(ctx); err != nil || at != "at-3" {
		t.Fatalf("after a restart: %q, %v; want at-3 from the saved rt-2", at, err)
	}
}

// An admin who pastes a new refresh token into the config is obeyed,
// though the file holds a descendant of the old one.
func TestRotatingNewSeedWins(t *testing.T) {
	ctx := context.Background()
	s, srv := newRotatingServer(t, "seed")
	path := filepath.Join(t.TempDir(), "token.json")
	src, _ := NewRotating(config(srv), "seed", path, srv.Client())
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.live["reauthorized"] = true
	s.mu.Unlock()
	src2, _ := NewRotating(config(srv), "reauthorized", path, srv.Client())
	if _, err := src2.Token(ctx); err != nil {
		t.Fatalf("the new seed was not used: %v", err)
	}
	if got := fileToken(t, path); got != "rt-2" {
		t.Fatalf("file holds %q, want rt-2 (descending from the new seed)", got)
	}
}

// A token file that cannot be written keeps the access token back, and
// the rotated refresh token is saved before it is spent once it can be.
func TestRotatingSaveFailure(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only folders")
	}
	ctx := context.Background()
	s, srv := newRotatingServer(t, "seed")
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "token.json")
	src, rot := NewRotating(config(srv), "seed", path, srv.Client())
	at, err := src.Token(ctx)
	if !errors.Is(err, ErrNotSaved) || at != "" {
		t.Fatalf("Token with an unwritable file = %q, %v; want no token and ErrNotSaved", at, err)
	}
	if rt, _ := rot.RefreshToken(); rt != "rt-1" {
		t.Fatalf("the rotated token was not kept in memory: %q", rt)
	}
	// Still unwritable: nothing is spent.
	if _, err := src.Token(ctx); !errors.Is(err, ErrNotSaved) {
		t.Fatalf("second call = %v, want ErrNotSaved", err)
	}
	if s.grants != 1 {
		t.Fatalf("%d grants, want 1: a token that is not on disk must not be spent", s.grants)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if at, err := src.Token(ctx); err != nil || at != "at-2" {
		t.Fatalf("after the folder became writable: %q, %v", at, err)
	}
	if got := fileToken(t, path); got != "rt-2" {
		t.Fatalf("file holds %q, want rt-2", got)
	}
}

// Two processes share one token file: the one whose token was spent by the
// other picks up the successor from the file.
func TestRotatingSharedFile(t *testing.T) {
	ctx := context.Background()
	_, srv := newRotatingServer(t, "seed")
	path := filepath.Join(t.TempDir(), "token.json")
	a, _ := NewRotating(config(srv), "seed", path, srv.Client())
	b, _ := NewRotating(config(srv), "seed", path, srv.Client())
	if _, err := a.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Token(ctx); err != nil {
		t.Fatalf("b read rt-1 from the file? %v", err)
	}
	a.Invalidate()
	// a still believes in rt-1, which b spent.
	if at, err := a.Token(ctx); err != nil || at != "at-3" {
		t.Fatalf("a after b rotated = %q, %v; want at-3 from the file's rt-2", at, err)
	}
}

func TestRotatingRefused(t *testing.T) {
	_, srv := newRotatingServer(t, "seed")
	src, _ := NewRotating(config(srv), "stale", filepath.Join(t.TempDir(), "t.json"), srv.Client())
	_, err := src.Token(context.Background())
	ref, ok := Refused(err)
	if !ok || ref.ErrorCode != "invalid_grant" || ref.Code != http.StatusBadRequest {
		t.Fatalf("refusal = %+v, %v (%v)", ref, ok, err)
	}
}

func TestTokenFileRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, srv := newRotatingServer(t, "seed")
	src, _ := NewRotating(config(srv), "seed", path, srv.Client())
	if _, err := src.Token(context.Background()); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}
