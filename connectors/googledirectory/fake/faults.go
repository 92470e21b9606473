package fake

import (
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
)

// faults are the switches tests and the demo flip; requests consult them
// on every call.
type faults = fakefault.Set[RateLimitKind]

// takeFault answers with the Directory API's words for the fault the
// next request must carry, if any.
func (s *Server) takeFault() *apiError {
	req, ok := s.faults.Take()
	switch {
	case !ok:
		return nil
	case req.RateLimited:
		return errRateLimit(req.Kind, req.RetryAfter)
	}
	return errServer(req.Code)
}

// RateLimit answers the next n API requests with Google's over-quota
// error of the given kind, with Retry-After when retryAfter > 0.
func (s *Server) RateLimit(kind RateLimitKind, n int, retryAfter time.Duration) {
	s.faults.RateLimit(kind, n, retryAfter)
}

// ServerErrors answers the next n API requests with code (500, 502 or 503).
func (s *Server) ServerErrors(code, n int) {
	s.faults.ServerErrors(code, n)
}

// SlowPages delays every users.list page by d (0 turns it off). The delay
// ends early when the client goes away.
func (s *Server) SlowPages(d time.Duration) {
	s.faults.SlowPages(d)
}

// FailOnPage answers users.list page n (1-based, within one listing)
// with code every time it is asked for; n = 0 turns it off.
func (s *Server) FailOnPage(n, code int) {
	s.faults.FailOnPage(n, code)
}

// Truncate cuts the body of the next n users.list pages short: the
// status and Content-Length promise a whole page, the connection ends
// half way.
func (s *Server) Truncate(n int) {
	s.faults.Truncate(n)
}

// Empty makes users.list answer no users at all (an empty source) while on.
func (s *Server) Empty(on bool) {
	s.faults.SetEmpty(on)
}

// ClearFaults turns every fault switch off.
func (s *Server) ClearFaults() {
	s.faults.Clear()
}
