package fake

import (
	"sync"
	"time"
)

// faults are the switches tests and the demo flip; requests consult them
// on every call.
type faults struct {
	mu         sync.Mutex
	rateN      int
	rateKind   RateLimitKind
	retryAfter time.Duration
	serverN    int
	serverCode int
	reports    int64
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
		return errThrottled(f.rateKind, f.retryAfter)
	case f.serverN > 0:
		f.serverN--
		f.reports++
		return errServer(f.serverCode, 4000+f.reports)
	}
	return nil
}

// page says what enrollment list page n (1-based) must do.
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

// RateLimit throttles the next n API requests, answered as kind; a 429
// carries Retry-After retryAfter (rounded up to whole seconds) when > 0.
func (s *Server) RateLimit(kind RateLimitKind, n int, retryAfter time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rateN, s.faults.rateKind, s.faults.retryAfter = n, kind, retryAfter
}

// ServerErrors answers the next n API requests with code (500, 502, 503 or 504).
func (s *Server) ServerErrors(code, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.serverCode, s.faults.serverN = code, n
}

// SlowPages delays every enrollment page by d (0: off); the delay ends
// early when the client goes away.
func (s *Server) SlowPages(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.slow = d
}

// FailOnPage answers page n (1-based) of every enrollment listing with
// code each time it is asked for; n = 0 turns it off.
func (s *Server) FailOnPage(n, code int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.failPage, s.faults.failCode = n, code
}

// Truncate cuts the next n enrollment pages short: the status and
// Content-Length promise a whole page, the connection ends half way.
func (s *Server) Truncate(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.truncateN = n
}

// Empty makes every course answer no enrollments while on.
func (s *Server) Empty(on bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.empty = on
}

// RevokeTokens makes every token issued so far invalid, as deleting an
// access token or a developer key does.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
	clear(s.refresh)
}

// ExpireTokens makes every OAuth2 access token issued so far expire now;
// refresh tokens stay valid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if !t.expires.IsZero() {
			t.expires = s.now()
		}
	}
}

// ClearFaults turns every fault switch off.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rateN, s.faults.serverN, s.faults.slow = 0, 0, 0
	s.faults.failPage, s.faults.truncateN, s.faults.empty = 0, 0, false
}
