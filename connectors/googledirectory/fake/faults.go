package fake

import (
	"sync"
	"time"
)

// faults are the switches tests and the demo flip. All fields are guarded
// by mu; requests consult them on every call.
type faults struct {
	mu         sync.Mutex
	rateN      int
	rateKind   RateLimitKind
	retryAfter time.Duration
	serverN    int
	serverCode int
	slow       time.Duration
	failPage   int
	failCode   int
	truncateN  int
	empty      bool
}

// take consumes one pending rate limit or server error, if any.
func (f *faults) take() *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.rateN > 0:
		f.rateN--
		return errRateLimit(f.rateKind, f.retryAfter)
	case f.serverN > 0:
		f.serverN--
		return errServer(f.serverCode)
	}
	return nil
}

// page returns what users.list page n (1-based) must do: fail with a
// code, be truncated, or be delayed.
func (f *faults) page(n int) (failCode int, truncate bool, delay time.Duration, empty bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failPage > 0 && n == f.failPage {
		failCode = f.failCode
	}
	if f.truncateN > 0 && failCode == 0 {
		f.truncateN--
		truncate = true
	}
	return failCode, truncate, f.slow, f.empty
}

// RateLimit answers the next n API requests with Google's over-quota
// error of the given kind, with Retry-After when retryAfter > 0.
func (s *Server) RateLimit(kind RateLimitKind, n int, retryAfter time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rateN, s.faults.rateKind, s.faults.retryAfter = n, kind, retryAfter
}

// ServerErrors answers the next n API requests with code (500, 502 or 503).
func (s *Server) ServerErrors(code, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.serverCode, s.faults.serverN = code, n
}

// SlowPages delays every users.list page by d (0 turns it off). The delay
// ends early when the client goes away.
func (s *Server) SlowPages(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.slow = d
}

// FailOnPage answers users.list page n (1-based, within one listing)
// with code every time it is asked for; n = 0 turns it off.
func (s *Server) FailOnPage(n, code int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.failPage, s.faults.failCode = n, code
}

// Truncate cuts the body of the next n users.list pages short: the
// status and Content-Length promise a whole page, the connection ends
// half way.
func (s *Server) Truncate(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.truncateN = n
}

// Empty makes users.list answer no users at all (an empty source) while on.
func (s *Server) Empty(on bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.empty = on
}

// ClearFaults turns every fault switch off.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rateN, s.faults.serverN, s.faults.slow = 0, 0, 0
	s.faults.failPage, s.faults.truncateN, s.faults.empty = 0, 0, false
}
