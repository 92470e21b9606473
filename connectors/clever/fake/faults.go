package fake

import "time"

// RateLimit answers the next n API requests with 429 and an
// X-RateLimit-Reset wait from now (rounded up to the next whole second).
func (s *Server) RateLimit(n int, wait time.Duration) { s.faults.RateLimit(struct{}{}, n, wait) }

// ServerErrors answers the next n API requests with code (500, 502 or 503).
func (s *Server) ServerErrors(code, n int) { s.faults.ServerErrors(code, n) }

// SlowPages delays every list page by d (0: off); the delay ends early
// when the client goes away.
func (s *Server) SlowPages(d time.Duration) { s.faults.SlowPages(d) }

// FailOnPage answers page n (1-based) of every list with code each time it
// is asked for; n = 0 turns it off.
func (s *Server) FailOnPage(n, code int) { s.faults.FailOnPage(n, code) }

// Empty makes every list answer no records while on.
func (s *Server) Empty(on bool) { s.faults.SetEmpty(on) }

// ClearFaults turns every fault switch off.
func (s *Server) ClearFaults() { s.faults.Clear() }
