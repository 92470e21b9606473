package httpretry

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter bounds what RetryAfter returns, so that adding it to the
// time spent cannot overflow; any wait this long is past every MaxElapsed
// worth configuring, so the caller gives up.
const maxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After value, in seconds or as an HTTP date
// (measured from now); anything else, or a time already past, is no wait.
// It is at most a day.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(min(max(n, 0), int(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}

// RateLimitReset reads an X-RateLimit-Reset value: a Unix time in seconds
// (as GitHub-style and many LMS APIs send it) or, when it is too small to
// be one, a number of seconds from now. Anything else, or a time already
// past, is no wait. It is at most a day.
func RateLimitReset(v string, now time.Time) time.Duration {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	const epochFloor = 1_000_000_000 // 2001: smaller values are deltas
	if n < epochFloor {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	return min(max(time.Unix(n, 0).Sub(now), 0), maxRetryAfter)
}

// ServerWait is the wait a rate-limited answer asks for: Retry-After, else
// X-RateLimit-Reset.
func ServerWait(h http.Header, now time.Time) time.Duration {
	if w := RetryAfter(h.Get("Retry-After"), now); w > 0 {
		return w
	}
	return RateLimitReset(h.Get("X-RateLimit-Reset"), now)
}
