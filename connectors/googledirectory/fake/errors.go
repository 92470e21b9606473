package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// apiError is one error answer in Google's JSON form.
type apiError struct {
	code    int
	status  string // canonical code: PERMISSION_DENIED, RESOURCE_EXHAUSTED, ...
	reason  string // errors[0].reason: forbidden, userRateLimitExceeded, ...
	domain  string // errors[0].domain: global, usageLimits
	message string
	// retryAfter, when set, is sent as Retry-After in whole seconds.
	retryAfter time.Duration
	// authHeader adds the WWW-Authenticate challenge of a 401.
	authHeader bool
}

type errorItem struct {
	Message      string `json:"message"`
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Location     string `json:"location,omitempty"`
	LocationType string `json:"locationType,omitempty"`
}

type errorBody struct {
	Error struct {
		Code    int         `json:"code"`
		Message string      `json:"message"`
		Errors  []errorItem `json:"errors"`
		Status  string      `json:"status,omitempty"`
	} `json:"error"`
}

func (e *apiError) write(w http.ResponseWriter) {
	h := w.Header()
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	if e.code == http.StatusBadGateway {
		// Google's front end answers a 502 with its own HTML page, not JSON.
		h.Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(e.code)
		_, _ = w.Write([]byte("<!DOCTYPE html>\n<html lang=en><title>Error 502 (Server Error)!!1</title>" +
			"<p><b>502.</b> <ins>That’s an error.</ins><p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins></html>\n"))
		return
	}
	var b errorBody
	b.Error.Code = e.code
	b.Error.Message = e.message
	b.Error.Status = e.status
	item := errorItem{Message: e.message, Domain: e.domain, Reason: e.reason}
	if item.Domain == "" {
		item.Domain = "global"
	}
	if e.authHeader {
		item.Message = "Invalid Credentials"
		item.Location, item.LocationType = "Authorization", "header"
		h.Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	}
	b.Error.Errors = []errorItem{item}
	h.Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.code)
	_ = json.NewEncoder(w).Encode(&b)
}

func errUnauthenticated() *apiError {
	return &apiError{code: 401, status: "UNAUTHENTICATED", reason: "authError", authHeader: true,
		message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."}
}

func errInsufficientScopes() *apiError {
	return &apiError{code: 403, status: "PERMISSION_DENIED", reason: "insufficientPermissions",
		message: "Request had insufficient authentication scopes."}
}

func errNotAuthorized() *apiError {
	return &apiError{code: 403, status: "PERMISSION_DENIED", reason: "forbidden",
		message: "Not Authorized to access this resource/api"}
}

func errBadRequest(msg string) *apiError {
	return &apiError{code: 400, status: "INVALID_ARGUMENT", reason: "invalid", message: msg}
}

func errNotFound(what string) *apiError {
	return &apiError{code: 404, status: "NOT_FOUND", reason: "notFound", message: "Resource Not Found: " + what}
}

// RateLimitKind picks which of Google's over-quota answers a rate limit gives.
type RateLimitKind int

// The over-quota answers Google documents.
const (
	UserRateLimitExceeded RateLimitKind = iota // 403 userRateLimitExceeded
	RateLimitExceeded                          // 403 rateLimitExceeded
	QuotaExceeded                              // 403 quotaExceeded (too many concurrent requests)
	ResourceExhausted                          // 429 RESOURCE_EXHAUSTED
)

func errRateLimit(kind RateLimitKind, retryAfter time.Duration) *apiError {
	e := &apiError{code: 403, status: "PERMISSION_DENIED", domain: "usageLimits", retryAfter: retryAfter}
	switch kind {
	case RateLimitExceeded:
		e.reason, e.message = "rateLimitExceeded", "Rate Limit Exceeded"
	case QuotaExceeded:
		e.reason, e.message = "quotaExceeded", "Quota exceeded for too many concurrent requests."
	case ResourceExhausted:
		e.code, e.status, e.domain, e.reason = 429, "RESOURCE_EXHAUSTED", "global", "rateLimitExceeded"
		e.message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'."
	default:
		e.reason, e.message = "userRateLimitExceeded", "User Rate Limit Exceeded"
	}
	return e
}

func errServer(code int) *apiError {
	switch code {
	case 503:
		return &apiError{code: 503, status: "UNAVAILABLE", reason: "backendError", message: "The service is currently unavailable."}
	case 502:
		return &apiError{code: 502}
	}
	return &apiError{code: code, status: "INTERNAL", reason: "backendError", message: "Internal error encountered."}
}

// oauthError is the token endpoint's error form.
func writeOAuthError(w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": errCode, "error_description": desc})
}
