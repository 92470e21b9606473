package ratelimit

import (
	"fmt"
	"time"
)

// Setting is one connector's quota settings, described once so that every
// connector names, defaults, checks and builds them the same way: a
// request count per Window under the key Field (quota_per_minute for most
// vendors; quota_per_day, quota_per_5_seconds where the vendor counts
// over another window) and the share of it one connector may spend under
// PercentField.
type Setting struct {
	// Field is the settings key of the request count, e.g. "quota_per_minute".
	Field string
	// Window is what the count is per.
	Window time.Duration
	// Default is the vendor's documented quota; 0 when the vendor
	// documents none, and then the connector is not paced unless the
	// count is set.
	Default int
	// Why says, in an error, where the default comes from or why there is
	// none, e.g. "Clever's default is 1200".
	Why string
}

// PercentField is the settings key of the share of a quota a connector
// may spend, the same for every connector.
const PercentField = "quota_percent"

// DefaultPercent is the share spent when PercentField is not set: the
// rest is headroom for the district's other tools on the same quota (an
// SIS sync, GAM) and for requests that reach the vendor out of order.
const DefaultPercent = 95

// MaxRequests bounds a configured count: far above any vendor's quota, it
// is the way to set pacing out of the way without overflowing the rate.
const MaxRequests = 1_000_000_000

// Validate names every bad value, as "settings.<field>: ..."; zero is
// the default for both.
func (s Setting) Validate(requests, percent int) []error {
	var errs []error
	if requests < 0 || requests > MaxRequests {
		errs = append(errs, fmt.Errorf("settings.%s: %d must be 1-%d (%s)", s.Field, requests, MaxRequests, s.Why))
	}
	if percent < 0 || percent > 100 {
		errs = append(errs, fmt.Errorf("settings.%s: %d must be 1-100 (default %d)", PercentField, percent, DefaultPercent))
	}
	return errs
}

// Quota is the quota requests (0: Default) and percent (0:
// DefaultPercent) stand for, and false when there is none to pace to.
//
// Its burst is a tenth of the share, not DefaultBurst's hundredth: the
// few requests of a small read leave at once, a district-sized read is
// paced, and no window of length Window sees more than the quota either
// way. For a day's quota (Blackboard's) a burst of one request would
// space every request seconds apart from the first.
func (s Setting) Quota(requests, percent int) (Quota, bool) {
	if requests == 0 {
		requests = s.Default
	}
	if percent == 0 {
		percent = DefaultPercent
	}
	if requests <= 0 {
		return Quota{}, false
	}
	q := Quota{Requests: requests, Window: s.Window}.Share(percent)
	q.Burst = max(1, q.Requests/10)
	return q, true
}

// Limiter builds the limiter of requests and percent, as Quota reads
// them; nil (no pacing) when there is no quota.
func (s Setting) Limiter(requests, percent int, opts ...Option) (*Limiter, error) {
	q, ok := s.Quota(requests, percent)
	if !ok {
		return nil, nil
	}
	l, err := New(q, opts...)
	if err != nil {
		return nil, fmt.Errorf("settings.%s: %w", s.Field, err)
	}
	return l, nil
}
