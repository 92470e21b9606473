package fake

import (
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/fakefault"
)

// The server's switches are connectortest.Faults, so the shared suite
// drives the fake directly.
var _ connectortest.Faults = (*Server)(nil)

// faults are the switches tests and the demo flip; requests consult them
// on every call. OneRoster has one kind of "slow down" answer.
type faults = fakefault.Set[struct{}]

// takeFault answers with OneRoster's imsx words for the fault the next
// request must carry, if any; a rate limit asks for Options.RetryAfter.
func (s *Server) takeFault() *statusInfo {
	req, ok := s.faults.Take()
	switch {
	case !ok:
		return nil
	case req.RateLimited:
		return errBusy(s.retryAfter)
	}
	return errServer(req.Code)
}

// RateLimit answers the next n API requests 429 server_busy with
// Retry-After (Options.RetryAfter) and returns that wait.
func (s *Server) RateLimit(n int) time.Duration {
	s.faults.RateLimit(struct{}{}, n, s.retryAfter)
	return s.retryAfter
}

// ServerErrors answers the next n API requests 500.
func (s *Server) ServerErrors(n int) { s.ServerErrorsWith(500, n) }

// ServerErrorsWith answers the next n API requests with code (500-504).
func (s *Server) ServerErrorsWith(code, n int) {
	s.faults.ServerErrors(code, n)
}

// FailOnPage fails page n (1-based, offset/limit+1) of every listing each
// time it is asked for: 503 when retryable, else 400 invaliddata. n = 0
// turns it off.
func (s *Server) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	s.faults.FailOnPage(n, code)
}

// SlowPages delays every listing page by d; the delay ends early when the
// client goes away.
func (s *Server) SlowPages(d time.Duration) {
	s.faults.SlowPages(d)
}

// Truncate cuts the next n listing bodies short: the Content-Length
// promises a whole page, the connection ends half way.
func (s *Server) Truncate(n int) {
	s.faults.Truncate(n)
}

// Empty makes users and enrollments listings answer nothing.
func (s *Server) Empty() { s.SetEmpty(true) }

// SetEmpty turns the empty source on or off.
func (s *Server) SetEmpty(on bool) {
	s.faults.SetEmpty(on)
}

// BadCredentials rotates the 1.1 consumer secret and the 1.2 client
// secret and revokes every access token: from now on the server refuses
// the credentials a connector holds. It returns the words both refusals
// carry.
func (s *Server) BadCredentials() string {
	s.auth.Lock()
	defer s.auth.Unlock()
	s.consumerSecret += "-rotated"
	s.clientSecret += "-rotated"
	clear(s.tokens)
	return credentialsRefused
}

// ClearFaults turns every fault switch off.
func (s *Server) ClearFaults() {
	s.faults.Clear()
}
