package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Messages Learn answers, which tests look for.
const (
	MsgUnauthorized = "API request is not authorized."
	MsgBadClient    = "Invalid client credentials"
	MsgQuota        = "Rate limit exceeded for application"
)

// serveToken is the client-credentials grant, the application's key and
// secret in HTTP Basic.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.count.token.Add(1)
	key, secret, ok := r.BasicAuth()
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read")
		return
	}
	s.mu.RLock()
	good := ok && key == s.key && secret == s.secret
	s.mu.RUnlock()
	switch {
	case !good:
		s.count.unauthorized.Add(1)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", MsgBadClient)
		return
	case r.PostForm.Get("grant_type") != "client_credentials":
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
		return
	}
	tok := randomHex(16)
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(s.tokenTTL)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}{tok, "bearer", int(s.tokenTTL / time.Second)})
}

// api wraps a handler with the token check, the quota and the faults.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) *apiError) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.api.Add(1)
		if !s.authorized(r) {
			s.count.unauthorized.Add(1)
			(&apiError{code: http.StatusUnauthorized, message: MsgUnauthorized}).write(w)
			return
		}
		ok, limit, remaining, reset := s.quota.take(s.now())
		hdr := w.Header()
		hdr.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
		hdr.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
		hdr.Set("X-Rate-Limit-Reset", seconds(reset))
		if !ok {
			s.count.throttled.Add(1)
			(&apiError{code: http.StatusTooManyRequests, message: MsgQuota}).write(w)
			return
		}
		if req, ok := s.faults.Take(); ok {
			if req.RateLimited {
				s.count.throttled.Add(1)
				hdr.Set("X-Rate-Limit-Remaining", "0")
				hdr.Set("X-Rate-Limit-Reset", seconds(req.RetryAfter))
				(&apiError{code: http.StatusTooManyRequests, message: MsgQuota}).write(w)
				return
			}
			(&apiError{code: req.Code, message: "Internal Server Error"}).write(w)
			return
		}
		s.mu.RLock()
		forbidden := s.forbidden
		s.mu.RUnlock()
		if forbidden {
			(&apiError{code: http.StatusForbidden, message: "User is not authorized to view the requested data", code2: "unauthorized"}).write(w)
			return
		}
		if aerr := h(w, r); aerr != nil {
			aerr.write(w)
		}
	})
}

// authorized checks the bearer token.
func (s *Server) authorized(r *http.Request) bool {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return false
	}
	s.mu.RLock()
	exp, ok := s.tokens[strings.TrimSpace(tok)]
	s.mu.RUnlock()
	return ok && s.now().Before(exp)
}

// apiError is an answer other than 200 in Learn's REST error form.
type apiError struct {
	code    int
	message string
	code2   string // Learn's optional "code" member
}

func (e *apiError) write(w http.ResponseWriter) {
	writeError(w, e.code, e.code2, e.message)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, struct {
		Status  int    `json:"status"`
		Code    string `json:"code,omitempty"`
		Message string `json:"message"`
	}{status, code, message})
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
		Desc  string `json:"error_description"`
	}{code, desc})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
