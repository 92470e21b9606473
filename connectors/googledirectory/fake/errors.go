package fake

import (
	"time"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// apiError is one error answer in Google's JSON form.
type apiError = fakeauth.Error

func errNotAuthorized() *apiError {
	return fakeauth.PermissionDenied("Not Authorized to access this resource/api")
}

func errBadRequest(msg string) *apiError { return fakeauth.BadRequest(msg) }

func errNotFound(what string) *apiError { return fakeauth.NotFound("Resource Not Found: " + what) }

// RateLimitKind picks which of Google's over-quota answers a rate limit gives.
type RateLimitKind = fakeauth.RateLimitKind

// The over-quota answers Google documents.
const (
	UserRateLimitExceeded = fakeauth.UserRateLimitExceeded // 403 userRateLimitExceeded
	RateLimitExceeded     = fakeauth.RateLimitExceeded     // 403 rateLimitExceeded
	QuotaExceeded         = fakeauth.QuotaExceeded         // 403 quotaExceeded (too many concurrent requests)
	ResourceExhausted     = fakeauth.ResourceExhausted     // 429 RESOURCE_EXHAUSTED
)

func errRateLimit(kind RateLimitKind, retryAfter time.Duration) *apiError {
	return fakeauth.RateLimit(kind, retryAfter, "admin.googleapis.com")
}

func errServer(code int) *apiError { return fakeauth.ServerError(code) }
