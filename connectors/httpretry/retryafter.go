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
