package bearer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/oauth2token"
)

// counting hands out "tok1", "tok2", … one per Invalidate, or fails.
type counting struct {
	mu          sync.Mutex
	n           int
	err         error
	invalidated int
}

func (c *counting) Token(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return "", c.err
	}
	return "tok" + strconv.Itoa(c.n+1), nil
}

func (c *counting) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.invalidated++
}

func TestGet(t *testing.T) {
	refused := errors.New("invalid_client")
	for _, tc := range []struct {
		name       string
		src        func() oauth2token.Source
		accept     map[string]bool // tokens the server takes; others get 401
		wantCode   int
		wantTokens []string // Authorization tokens the server saw, in order
		wantErr    func(error) bool
	}{
		{name: "accepted at once", src: func() oauth2token.Source { return &counting{} }, accept: map[string]bool{"tok1": true},
			wantCode: 200, wantTokens: []string{"tok1"}},
		{name: "refused token renewed once", src: func() oauth2token.Source { return &counting{} }, accept: map[string]bool{"tok2": true},
			wantCode: 200, wantTokens: []string{"tok1", "tok2"}},
		{name: "renewed token refused too", src: func() oauth2token.Source { return &counting{} }, accept: map[string]bool{},
			wantCode: 401, wantTokens: []string{"tok1", "tok2"}},
		{name: "static token not sent twice", src: func() oauth2token.Source { return Static("fixed") }, accept: map[string]bool{},
			wantCode: 401, wantTokens: []string{"fixed"}},
		{name: "no token", src: func() oauth2token.Source { return &counting{err: refused} }, accept: map[string]bool{},
			wantErr: func(err error) bool { var te *TokenError; return errors.As(err, &te) && errors.Is(err, refused) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok := r.Header.Get("Authorization")[len("Bearer "):]
				mu.Lock()
				seen = append(seen, tok)
				mu.Unlock()
				if r.Header.Get("Accept") != "application/json" {
					w.WriteHeader(http.StatusNotAcceptable)
					return
				}
				if !tc.accept[tok] {
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = w.Write([]byte(`{"error":"invalid_token"}`))
					return
				}
				_, _ = w.Write([]byte(`{"ok":true}`))
			}))
			defer srv.Close()
			ans, err := Get(context.Background(), srv.Client(), tc.src(), srv.URL+"/x")
			mu.Lock()
			defer mu.Unlock()
			if tc.wantErr != nil {
				if err == nil || !tc.wantErr(err) {
					t.Fatalf("Get = %+v, %v; want the token error", ans, err)
				}
				if len(seen) != 0 {
					t.Fatalf("sent %d requests without a token", len(seen))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ans.Code != tc.wantCode || len(ans.Body) == 0 {
				t.Fatalf("answer %d %q, want %d with its body", ans.Code, ans.Body, tc.wantCode)
			}
			if len(seen) != len(tc.wantTokens) {
				t.Fatalf("server saw tokens %q, want %q", seen, tc.wantTokens)
			}
			for i := range seen {
				if seen[i] != tc.wantTokens[i] {
					t.Fatalf("server saw tokens %q, want %q", seen, tc.wantTokens)
				}
			}
		})
	}
}

// A done context is reported as itself, before anything is sent; a
// server that cannot be reached is reported without the URL.
func TestGetErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Get(ctx, http.DefaultClient, Static("t"), "http://127.0.0.1:1/x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Get: %v, want context.Canceled", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := Get(context.Background(), http.DefaultClient, Static("t"), addr+"/secret-path")
	if err == nil {
		t.Fatal("Get of a closed server succeeded")
	}
	var te *TokenError
	if errors.As(err, &te) || strings.Contains(err.Error(), "secret-path") {
		t.Fatalf("error %q: want the transport's error, without the URL", err)
	}
}
