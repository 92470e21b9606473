package fake

import (
	"sync"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// The server's switches are connectortest.Faults, so the shared suite
// drives the fake directly.
var _ connectortest.Faults = (*Server)(nil)

// faults are the switches tests and the demo flip; requests consult them
// on every call.
type faults struct {
	mu         sync.Mutex
	rateN      int
	serverN    int
	serverCode int
	slow       time.Duration
	failPage   int
	failCode   int
	truncateN  int
	empty      bool
}

// take consumes one pending rate limit or server error.
func (f *faults) take(retryAfter time.Duration) *statusInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.rateN > 0:
		f.rateN--
		return errBusy(retryAfter)
	case f.serverN > 0:
		f.serverN--
		return errServer(f.serverCode)
	}
	return nil
}

func (f *faults) page(n int) (failCode int, truncate bool, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failPage > 0 && n == f.failPage {
		failCode = f.failCode
	}
	if f.truncateN > 0 && failCode == 0 {
		f.truncateN--
		truncate = true
	}
	return failCode, truncate, f.slow
}

func (f *faults) isEmpty() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.empty
}

// RateLimit answers the next n API requests 429 server_busy with
// Retry-After (Options.RetryAfter) and returns that wait.
func (s *Server) RateLimit(n int) time.Duration {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rateN = n
	return s.retryAfter
}

// ServerErrors answers the next n API requests 500.
func (s *Server) ServerErrors(n int) { s.ServerErrorsWith(500, n) }

// ServerErrorsWith answers the next n API requests with code (500-504).
func (s *Server) ServerErrorsWith(code, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.serverN, s.faults.serverCode = n, code
}

// FailOnPage fails page n (1-based, offset/limit+1) of every listing each
// time it is asked for: 503 when retryable, else 400 invaliddata. n = 0
// turns it off.
func (s *Server) FailOnPage(n int, retryable bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.failPage, s.faults.failCode = n, 400
	if retryable {
		s.faults.failCode = 503
	}
}

// SlowPages delays every listing page by d; the delay ends early when the
// client goes away.
func (s *Server) SlowPages(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.slow = d
}

// Truncate cuts the next n listing bodies short: the Content-Length
// promises a whole page, the connection ends half way.
func (s *Server) Truncate(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.truncateN = n
}

// Empty makes users and enrollments listings answer nothing.
func (s *Server) Empty() { s.SetEmpty(true) }

// SetEmpty turns the empty source on or off.
func (s *Server) SetEmpty(on bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.empty = on
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
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rateN, s.faults.serverN, s.faults.slow = 0, 0, 0
	s.faults.failPage, s.faults.truncateN, s.faults.empty = 0, 0, false
}
