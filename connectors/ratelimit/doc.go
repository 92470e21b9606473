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
package ratelimit
