package httpretry

import (
	"fmt"
	"time"
)

// Retry bounds the retries of one call. It is the `retry:` block of a
// connector's settings.
type Retry struct {
	MaxAttempts int           `yaml:"max_attempts"` // default 6, including the first
	MaxElapsed  time.Duration `yaml:"max_elapsed"`  // default 2m, from the first attempt
	BaseDelay   time.Duration `yaml:"base_delay"`   // default 500ms, doubled per attempt
	// RateWindow, when set, makes rate limits (429, quota errors) wait
	// out the vendor's quota window instead of counting against
	// MaxAttempts and MaxElapsed: without Retry-After or X-RateLimit-Reset
	// the waits double from BaseDelay up to RateWindow (a minute for a
	// per-minute quota). 0: rate limits are retried like any other error.
	// A connector may default it to its vendor's documented window (Or).
	RateWindow time.Duration `yaml:"rate_window"`
	// MaxRateWait bounds the total time spent waiting out rate limits in
	// one call (default 10m when RateWindow is set); the run's own
	// deadline (sync.run_timeout) bounds it too.
	MaxRateWait time.Duration `yaml:"max_rate_wait"`
}

// Retry defaults.
const (
	DefaultMaxAttempts = 6
	DefaultMaxElapsed  = 2 * time.Minute
	DefaultBaseDelay   = 500 * time.Millisecond
	// MaxDelay caps one backoff sleep (Retry-After may ask for longer,
	// bounded by MaxElapsed).
	MaxDelay = 30 * time.Second
)

// WithDefaults returns r with zero values replaced by the defaults.
func (r Retry) WithDefaults() Retry {
	return r.Or(Retry{MaxAttempts: DefaultMaxAttempts, MaxElapsed: DefaultMaxElapsed, BaseDelay: DefaultBaseDelay})
}

// Or returns r with zero values replaced by those of d, for a connector
// whose defaults differ (a file drop waits longer than an API).
func (r Retry) Or(d Retry) Retry {
	if r.MaxAttempts == 0 {
		r.MaxAttempts = d.MaxAttempts
	}
	if r.MaxElapsed == 0 {
		r.MaxElapsed = d.MaxElapsed
	}
	if r.BaseDelay == 0 {
		r.BaseDelay = d.BaseDelay
	}
	if r.RateWindow == 0 {
		r.RateWindow = d.RateWindow
	}
	if r.MaxRateWait == 0 {
		r.MaxRateWait = d.MaxRateWait
	}
	if r.RateWindow > 0 && r.MaxRateWait == 0 {
		r.MaxRateWait = DefaultMaxRateWait
	}
	return r
}

// DefaultMaxRateWait bounds the rate-limit waits of one call when
// Retry.RateWindow is set and MaxRateWait is not.
const DefaultMaxRateWait = 10 * time.Minute

// RateBackoff is the wait before rate-limit retry number n (1-based)
// without a server-given wait: BaseDelay·2^(n-1), capped at RateWindow,
// of which the upper half is drawn with jitter(n) (uniform in [0, n)), so
// waits never shrink below half the window once they reach it.
func (r Retry) RateBackoff(n int, jitter func(n int64) int64) time.Duration {
	ceiling := r.BaseDelay
	for i := 1; i < n && ceiling < r.RateWindow; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, r.RateWindow)
	if ceiling <= 0 {
		return 0
	}
	half := ceiling / 2
	return half + time.Duration(jitter(int64(ceiling-half)+1))
}

// Validate names every bad field, as "settings.retry.<field>: ...".
func (r Retry) Validate() []error {
	var errs []error
	if r.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("settings.retry.max_attempts: %d must be at least 1", r.MaxAttempts))
	}
	if r.MaxElapsed < 0 {
		errs = append(errs, fmt.Errorf("settings.retry.max_elapsed: %s must be positive", r.MaxElapsed))
	}
	if r.BaseDelay < 0 {
		errs = append(errs, fmt.Errorf("settings.retry.base_delay: %s must be positive", r.BaseDelay))
	}
	if r.RateWindow < 0 {
		errs = append(errs, fmt.Errorf("settings.retry.rate_window: %s must be positive", r.RateWindow))
	}
	if r.MaxRateWait < 0 {
		errs = append(errs, fmt.Errorf("settings.retry.max_rate_wait: %s must be positive", r.MaxRateWait))
	}

	return errs
}

// Backoff is the wait before retry number attempt (1-based) under full
// jitter: uniform in [0, min(MaxDelay, BaseDelay·2^(attempt-1))], drawn
// with jitter(n), which must return a value in [0, n).
func (r Retry) Backoff(attempt int, jitter func(n int64) int64) time.Duration {
	ceiling := r.BaseDelay
	for i := 1; i < attempt && ceiling < MaxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, MaxDelay)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(jitter(int64(ceiling) + 1))
}

// GiveUp reports whether retry number attempt, after waiting delay, would
// pass the attempt or elapsed-time bound; elapsed is the time since the
// first attempt began.
func (r Retry) GiveUp(attempt int, elapsed, delay time.Duration) bool {
	return attempt >= r.MaxAttempts || elapsed+delay > r.MaxElapsed
}
