// Package ratelimit owns client-side pacing shared by every connector: a
// token bucket (golang.org/x/time/rate) sized from a vendor's documented
// quota, an http.RoundTripper that waits for a token before each request,
// and each vendor's documented default quota with its source.
//
// Why pace at all when connectors/httpretry already backs off on 429 and
// on Google's 403 rate-limit reasons: a refused request still counts
// against most vendors' quotas, and a district's other tools (GAM, the
// SIS sync, the MDM) share the same quota. Staying under it costs nothing
// while reading one page at a time and is what makes concurrent paging
// safe.
//
// A quota of Q requests per window W becomes a bucket of burst b refilled
// at (Q-b)/W: in any window of length W at most b + (Q-b) = Q requests
// leave, whatever the vendor's window alignment (fixed or sliding).
//
// Setting is how every connector exposes its quota the same way: a
// request count per window (quota_per_minute; quota_per_day or
// quota_per_5_seconds where the vendor counts so), defaulting to the
// vendor's documented figure or, where the vendor documents none, to no
// pacing, and quota_percent, the share spent (default 95). Connectors
// hand the Limiter to connectors/httpretry's Transport (or put Transport
// under googleauth's retries), so every attempt is paced. Package
// quotatest holds what their tests use to count requests per window on a
// fake clock.
package ratelimit
