package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// Quota is a vendor's limit: at most Requests in any Window.
type Quota struct {
	Requests int
	Window   time.Duration
	// Burst is how many requests may leave back to back before pacing
	// starts; zero: DefaultBurst(Requests). It is taken out of Requests,
	// never added to it.
	Burst int
}

// Vendors' documented default quotas. A district can ask its vendor for
// more; connectors expose a setting that overrides these.
const (
	// GoogleDirectoryPerMinute: Admin SDK Directory API, 2,400 queries per
	// minute per user per project (developers.google.com/admin-sdk/directory/v1/limits).
	GoogleDirectoryPerMinute = 2400
	// GoogleClassroomPerMinutePerUser: Classroom API, 1,200 requests per
	// minute per user; 3,000 per minute per project; 4,000,000 per day
	// per project (developers.google.com/classroom/limits).
	GoogleClassroomPerMinutePerUser    = 1200
	GoogleClassroomPerMinutePerProject = 3000
	// CleverPerMinute: 1,200 requests per minute per token, fixed window,
	// 429 with X-RateLimit-Reset beyond it (dev.clever.com, "Rate limits").
	CleverPerMinute = 1200
	// BlackboardPerDay: Blackboard Learn REST, 10,000 calls per 24 hours
	// per application by default, then 429 (docs.anthology.com, "Rate
	// limits and site registration").
	BlackboardPerDay = 10000
)

// BrightspacePerMinute: D2L meters credits, not requests: a bucket of
// 50,000 API credits a minute per API app, refilled whole every minute,
// each call costing 10 credits as published (X-Request-Cost), D2L keeping
// the right to change route costs (community.d2l.com, "API Rate
// Logging/Limiting FAQ" and "Rate Limiting and API Response Headers").
// 50,000 / 10 is this many calls a minute; the connector also pauses when
// X-Rate-Limit-Remaining runs low, which covers a route costing more.
const BrightspacePerMinute = 50000 / 10

// No request quota to pace to, so no preset: Canvas meters cost, a leaky
// bucket per access token whose requests cost their CPU and database time
// (X-Request-Cost, X-Rate-Limit-Remaining; canvas-lms doc/api/throttling.md
// says one request at a time is unlikely ever to be throttled); Moodle web
// services have no rate limit by default; OneRoster (1EdTech) and LTI
// NRPS leave limits to each platform and say only that a 429 may come;
// Schoology's documents name no figure (about 50 requests per 5 seconds
// per key is said by integrators, unconfirmed). Those connectors are not
// paced unless their quota is set, and rely on connectors/httpretry's
// Retry-After handling and their vendor's own headers.

// GoogleDirectory is the Directory API's default quota.
func GoogleDirectory() Quota { return Quota{Requests: GoogleDirectoryPerMinute, Window: time.Minute} }

// GoogleClassroom is the Classroom API's per-user default quota, the one
// a single delegated subject runs into first.
func GoogleClassroom() Quota {
	return Quota{Requests: GoogleClassroomPerMinutePerUser, Window: time.Minute}
}

// Clever is Clever's per-token default quota.
func Clever() Quota { return Quota{Requests: CleverPerMinute, Window: time.Minute} }

// Blackboard is Blackboard Learn's per-application daily default quota.
func Blackboard() Quota { return Quota{Requests: BlackboardPerDay, Window: 24 * time.Hour} }

// Brightspace is D2L's credit bucket as calls a minute at the published
// cost of a call.
func Brightspace() Quota { return Quota{Requests: BrightspacePerMinute, Window: time.Minute} }

// DefaultBurst is the burst a quota of n requests gets when it names
// none: a hundredth of it, between 1 and 10. Small enough that the bucket
// paces almost evenly, large enough to start a few streams at once.
func DefaultBurst(n int) int {
	return max(1, min(10, n/100))
}

// ErrBadQuota marks a quota that cannot be paced to.
var ErrBadQuota = errors.New("ratelimit: bad quota")

// Validate checks q.
func (q Quota) Validate() error {
	switch {
	case q.Requests < 1:
		return fmt.Errorf("%w: %d requests must be at least 1", ErrBadQuota, q.Requests)
	case q.Window <= 0:
		return fmt.Errorf("%w: window %s must be positive", ErrBadQuota, q.Window)
	case q.Burst < 0 || q.Burst > q.Requests:
		return fmt.Errorf("%w: burst %d must be 0-%d", ErrBadQuota, q.Burst, q.Requests)
	}
	return nil
}

// burst is q's burst, defaulted, and kept below Requests so that the
// refill rate stays positive.
func (q Quota) burst() int {
	b := q.Burst
	if b == 0 {
		b = DefaultBurst(q.Requests)
	}
	if b >= q.Requests {
		b = max(1, q.Requests-1)
	}
	return b
}

// Share returns q with only percent of its requests (rounded down, at
// least 1): the part one tool may spend, leaving the rest as headroom for
// others sharing the quota.
func (q Quota) Share(percent int) Quota {
	q.Requests = max(1, q.Requests*percent/100)
	if q.Burst > q.Requests {
		q.Burst = q.Requests
	}
	return q
}
