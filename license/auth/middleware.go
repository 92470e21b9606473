package auth

import (
	"net/http"
	"strings"
)

// Middleware authenticates a request by its "Authorization: Bearer" token
// or, failing that, its session cookie, and runs next with the Principal
// in the context. A request without good credentials still reaches next,
// anonymous: handlers decide what needs signing in (the dashboard's sign-in
// page must load without it). Why credentials were refused is kept for
// AuthError. Nothing here logs: credentials must never reach a log.
func Middleware(store *Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				next.ServeHTTP(w, r.WithContext(withAuthError(ctx, &CredentialError{What: "authorization header", Reason: "is not \"Bearer <token>\""})))
				return
			}
			p, err := store.Authenticate(ctx, tok)
			if err != nil {
				next.ServeHTTP(w, r.WithContext(withAuthError(ctx, err)))
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(ctx, p)))
			return
		}
		if v, ok := sessionCookie(r); ok {
			p, err := store.Session(ctx, v)
			if err != nil {
				next.ServeHTTP(w, r.WithContext(withAuthError(ctx, err)))
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(ctx, p)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
