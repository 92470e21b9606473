package fake

import (
	"sync"
	"sync/atomic"
	"time"
)

// quotaWindow is the Directory API's per-minute quota (2,400 queries a
// minute per user per project by default, developers.google.com/admin-sdk/
// directory/v1/limits), kept as strictly as any window alignment could:
// a request is refused when limit requests were already admitted in the
// 60 seconds before it. Google does not document how it counts; a sliding
// window is the strictest reading, so a client that passes it passes any.
type quotaWindow struct {
	mu      sync.Mutex
	limit   int
	admits  []time.Time // ring of the last limit admissions
	next    int
	refused atomic.Int64
	now     func() time.Time
}

// SetQuota refuses API requests beyond perMinute in any 60 seconds with
// 403 userRateLimitExceeded, as Google answers over-quota Directory calls;
// 0 turns the quota off (the default).
func (s *Server) SetQuota(perMinute int) {
	q := &s.quota
	q.mu.Lock()
	defer q.mu.Unlock()
	q.limit = perMinute
	q.admits = make([]time.Time, max(perMinute, 0))
	q.next = 0
	if q.now == nil {
		q.now = time.Now
	}
}

// QuotaRefused counts the API requests refused for quota so far.
func (s *Server) QuotaRefused() int64 { return s.quota.refused.Load() }

// take admits one API request or answers it with Google's over-quota error.
func (q *quotaWindow) take() *apiError {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.limit <= 0 {
		return nil
	}
	now := q.now()
	oldest := q.admits[q.next]
	if !oldest.IsZero() && now.Sub(oldest) < time.Minute {
		q.refused.Add(1)
		return errRateLimit(UserRateLimitExceeded, 0)
	}
	q.admits[q.next] = now
	q.next = (q.next + 1) % q.limit
	return nil
}

// SetQuotaClock makes the quota count time by now instead of the wall
// clock, for tests that pace on a fake clock.
func (s *Server) SetQuotaClock(now func() time.Time) {
	q := &s.quota
	q.mu.Lock()
	defer q.mu.Unlock()
	q.now = now
}
