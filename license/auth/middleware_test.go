package auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMiddleware(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	c := newClock()
	s, err := Open(t.TempDir()+"/auth.db", Options{Now: c.Now, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plain, tok, err := s.CreateToken(ctx, "ann@district.org", RoleOperator, time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Authenticate(ctx, plain)
	sess, err := s.CreateSession(ctx, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	type seen struct {
		p      Principal
		ok     bool
		reason string
	}
	var got seen
	h := Middleware(s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.p, got.ok = FromContext(r.Context())
		got.reason = ""
		var ce *CredentialError
		if errors.As(AuthError(r.Context()), &ce) {
			got.reason = ce.Reason
		}
	}))
	cases := []struct {
		name    string
		header  string
		cookie  *http.Cookie
		tls     bool
		wantVia string // "" = anonymous
		reason  string
	}{
		{name: "nothing"},
		{name: "bearer", header: "Bearer " + plain, wantVia: ViaToken},
		{name: "bearer lower case", header: "bearer " + plain, wantVia: ViaToken},
		{name: "bad bearer", header: "Bearer rcat_nope", reason: ReasonUnknown},
		{name: "basic", header: "Basic eDp5", reason: "is not \"Bearer <token>\""},
		{name: "cookie", cookie: &http.Cookie{Name: CookieName(false), Value: sess}, wantVia: ViaSession},
		{name: "cookie over tls", cookie: &http.Cookie{Name: CookieName(true), Value: sess}, tls: true, wantVia: ViaSession},
		{name: "plain cookie over tls is ignored", cookie: &http.Cookie{Name: CookieName(false), Value: sess}, tls: true},
		{name: "bad cookie", cookie: &http.Cookie{Name: CookieName(false), Value: "forged"}, reason: ReasonUnknown},
		{name: "token as cookie", cookie: &http.Cookie{Name: CookieName(false), Value: plain}, reason: ReasonUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/me", nil)
			if tc.tls {
				r = httptest.NewRequest("GET", "https://x/api/v1/me", nil)
			}
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			if tc.cookie != nil {
				r.AddCookie(tc.cookie)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got.ok != (tc.wantVia != "") || got.p.Via != tc.wantVia || got.reason != tc.reason {
				t.Errorf("principal %+v (ok %v), reason %q; want via %q, reason %q", got.p, got.ok, got.reason, tc.wantVia, tc.reason)
			}
			if tc.wantVia != "" && (got.p.Email != "ann@district.org" || got.p.TokenID != tok.ID) {
				t.Errorf("principal %+v", got.p)
			}
		})
	}
	if strings.Contains(logs.String(), plain) || strings.Contains(logs.String(), sess) {
		t.Errorf("logs hold a secret:\n%s", logs.String())
	}
}
