package fake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Words the token endpoint answers, which tests look for.
const (
	ErrInvalidGrant  = "invalid_grant"
	ErrInvalidClient = "invalid_client"
)

// serveToken is the refresh-token grant. Each refresh token is spent by
// the grant that uses it, and the answer carries the next.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.count.token.Add(1)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.client || secret != s.secret {
		s.count.unauthorized.Add(1)
		writeOAuthError(w, http.StatusUnauthorized, ErrInvalidClient)
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	user, ok := s.refresh[r.PostForm.Get("refresh_token")]
	if !ok {
		writeOAuthError(w, http.StatusBadRequest, ErrInvalidGrant)
		return
	}
	delete(s.refresh, r.PostForm.Get("refresh_token"))
	next := "rt." + randomHex(20)
	s.refresh[next] = user
	at := "at." + randomHex(24)
	s.access[at] = accessToken{userID: user, expires: s.now().Add(s.tokenTTL)}
	writeJSON(w, http.StatusOK, struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
		Scope        string `json:"scope"`
	}{at, "Bearer", int(s.tokenTTL / time.Second), next, "core:*:*"})
}

// api wraps a handler with the bearer check, the lp version, the credit
// bucket and the faults. h answers a status to write with no body, or 0
// when it wrote the answer.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request, user int) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.api.Add(1)
		user, ok := s.authorized(r)
		if !ok {
			s.count.unauthorized.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if v := r.PathValue("version"); v != "" && !slices.Contains(s.versions, v) {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		ok, remaining, reset := s.bucket.take(s.now())
		if !ok {
			s.count.throttled.Add(1)
			w.Header().Set("Retry-After", seconds(reset))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if req, ok := s.faults.Take(); ok {
			if req.RateLimited {
				s.count.throttled.Add(1)
				w.Header().Set("Retry-After", seconds(req.RetryAfter))
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.WriteHeader(req.Code)
			return
		}
		hdr := w.Header()
		hdr.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
		hdr.Set("X-Rate-Limit-Reset", seconds(reset))
		hdr.Set("X-Request-Cost", strconv.Itoa(RequestCost))
		if code := h(w, r, user); code != 0 {
			w.WriteHeader(code)
		}
	})
}

func (s *Server) authorized(r *http.Request) (int, bool) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return 0, false
	}
	s.mu.RLock()
	t, ok := s.access[strings.TrimSpace(tok)]
	s.mu.RUnlock()
	return t.userID, ok && s.now().Before(t.expires)
}

func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

func writeOAuthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{code})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
