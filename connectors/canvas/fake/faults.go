package fake

import (
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
)

// faults are the switches tests and the demo flip; requests consult them
// on every call.
type faults = fakefault.Set[RateLimitKind]

// takeFault answers with Canvas's words for the fault the next request
// must carry, if any; server errors carry error report ids from 4001 on.
func (s *Server) takeFault() *apiError {
	req, ok := s.faults.Take()
	switch {
	case !ok:
		return nil
	case req.RateLimited:
		return errThrottled(req.Kind)
	}
	return errServer(req.Code, 4000+req.Served)
}

// RateLimit throttles the next n API requests, answered as kind.
func (s *Server) RateLimit(kind RateLimitKind, n int) {
	s.faults.RateLimit(kind, n, 0)
}

// ServerErrors answers the next n API requests with code (500, 502, 503 or 504).
func (s *Server) ServerErrors(code, n int) {
	s.faults.ServerErrors(code, n)
}

// SlowPages delays every enrollment page by d (0: off); the delay ends
// early when the client goes away.
func (s *Server) SlowPages(d time.Duration) {
	s.faults.SlowPages(d)
}

// FailOnPage answers page n (1-based) of every enrollment listing with
// code each time it is asked for; n = 0 turns it off.
func (s *Server) FailOnPage(n, code int) {
	s.faults.FailOnPage(n, code)
}

// Truncate cuts the next n enrollment pages short: the status and
// Content-Length promise a whole page, the connection ends half way.
func (s *Server) Truncate(n int) {
	s.faults.Truncate(n)
}

// Empty makes every course answer no enrollments while on.
func (s *Server) Empty(on bool) {
	s.faults.SetEmpty(on)
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
	s.faults.Clear()
}
