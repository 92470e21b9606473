package fakeauth

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Error is one error answer in Google's JSON form.
type Error struct {
	Code    int
	Status  string // canonical code: PERMISSION_DENIED, RESOURCE_EXHAUSTED, ...
	Reason  string // errors[0].reason: forbidden, userRateLimitExceeded, ...
	Domain  string // errors[0].domain; empty: global
	Message string
	// RetryAfter, when set, is sent as Retry-After in whole seconds.
	RetryAfter time.Duration
	// challenge adds the WWW-Authenticate header of a 401.
	challenge bool
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

// Write sends the error.
func (e *Error) Write(w http.ResponseWriter) {
	h := w.Header()
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	if e.Code == http.StatusBadGateway {
		// Google's front end answers a 502 with its own HTML page, not JSON.
		h.Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(e.Code)
		_, _ = w.Write([]byte("<!DOCTYPE html>\n<html lang=en><title>Error 502 (Server Error)!!1</title>" +
			"<p><b>502.</b> <ins>That’s an error.</ins><p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins></html>\n"))
		return
	}
	var b errorBody
	b.Error.Code = e.Code
	b.Error.Message = e.Message
	b.Error.Status = e.Status
	item := errorItem{Message: e.Message, Domain: e.Domain, Reason: e.Reason}
	if item.Domain == "" {
		item.Domain = "global"
	}
	if e.challenge {
		item.Message = "Invalid Credentials"
		item.Location, item.LocationType = "Authorization", "header"
		h.Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	}
	b.Error.Errors = []errorItem{item}
	h.Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.Code)
	_ = json.NewEncoder(w).Encode(&b)
}

// Unauthenticated is the 401 for a missing, unknown or expired token.
func Unauthenticated() *Error {
	return &Error{Code: 401, Status: "UNAUTHENTICATED", Reason: "authError", challenge: true,
		Message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."}
}

// InsufficientScopes is the 403 for a token without a scope the method needs.
func InsufficientScopes() *Error {
	return &Error{Code: 403, Status: "PERMISSION_DENIED", Reason: "insufficientPermissions",
		Message: "Request had insufficient authentication scopes."}
}

// PermissionDenied is a 403 with Google's generic forbidden reason.
func PermissionDenied(msg string) *Error {
	return &Error{Code: 403, Status: "PERMISSION_DENIED", Reason: "forbidden", Message: msg}
}

// BadRequest is a 400 INVALID_ARGUMENT.
func BadRequest(msg string) *Error {
	return &Error{Code: 400, Status: "INVALID_ARGUMENT", Reason: "invalid", Message: msg}
}

// NotFound is a 404 NOT_FOUND with msg as Google's message.
func NotFound(msg string) *Error {
	return &Error{Code: 404, Status: "NOT_FOUND", Reason: "notFound", Message: msg}
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

// RateLimit is the over-quota answer of kind from service (a host name
// such as admin.googleapis.com, named in the 429's message).
func RateLimit(kind RateLimitKind, retryAfter time.Duration, service string) *Error {
	e := &Error{Code: 403, Status: "PERMISSION_DENIED", Domain: "usageLimits", RetryAfter: retryAfter}
	switch kind {
	case RateLimitExceeded:
		e.Reason, e.Message = "rateLimitExceeded", "Rate Limit Exceeded"
	case QuotaExceeded:
		e.Reason, e.Message = "quotaExceeded", "Quota exceeded for too many concurrent requests."
	case ResourceExhausted:
		e.Code, e.Status, e.Domain, e.Reason = 429, "RESOURCE_EXHAUSTED", "global", "rateLimitExceeded"
		e.Message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service '" + service + "'."
	default:
		e.Reason, e.Message = "userRateLimitExceeded", "User Rate Limit Exceeded"
	}
	return e
}

// ServerError is Google's answer with code: 503 UNAVAILABLE, 502 (an HTML
// page), anything else INTERNAL.
func ServerError(code int) *Error {
	switch code {
	case 503:
		return &Error{Code: 503, Status: "UNAVAILABLE", Reason: "backendError", Message: "The service is currently unavailable."}
	case 502:
		return &Error{Code: 502}
	}
	return &Error{Code: code, Status: "INTERNAL", Reason: "backendError", Message: "Internal error encountered."}
}

// WriteOAuthError sends the token endpoint's error form.
func WriteOAuthError(w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": errCode, "error_description": desc})
}
