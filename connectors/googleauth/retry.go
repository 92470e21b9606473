package googleauth

import (
	"time"

	"github.com/rollcall-sync/rollcall/connectors/httpretry"
)

// Retry bounds the retries of one API call. It is the `retry:` block of a
// Google connector's settings.
type Retry = httpretry.Retry

// Clock is the time the retries see; tests pass one whose Sleep only
// advances Now.
type Clock = httpretry.Clock

// Retry defaults.
const (
	DefaultMaxAttempts = httpretry.DefaultMaxAttempts
	DefaultMaxElapsed  = httpretry.DefaultMaxElapsed
	DefaultBaseDelay   = httpretry.DefaultBaseDelay
	// DefaultRateWindow: Google's Admin SDK and Classroom quotas are per
	// minute (developers.google.com/admin-sdk/directory/v1/limits,
	// developers.google.com/classroom/limits), so a quota error is waited
	// out for up to a minute at a time (bounded by retry.max_rate_wait,
	// default 10m, and the run's timeout) instead of failing the run
	// after a few seconds of retries.
	DefaultRateWindow = time.Minute
)

// WithDefaults fills a Google connector's retry block: the shared
// defaults, and rate limits waited out over Google's quota minute.
func WithDefaults(r Retry) Retry {
	return r.Or(Retry{RateWindow: DefaultRateWindow}).WithDefaults()
}
