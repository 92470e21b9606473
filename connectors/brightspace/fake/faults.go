package fake

import "time"

// RateLimit answers the next n API requests with 429 and Retry-After wait
// (rounded up to whole seconds, at least one).
func (s *Server) RateLimit(n int, wait time.Duration) { s.faults.RateLimit(struct{}{}, n, wait) }

// ServerErrors answers the next n API requests with code (500, 502, 503).
func (s *Server) ServerErrors(code, n int) { s.faults.ServerErrors(code, n) }

// SlowPages delays every enrollment page by d (0: off).
func (s *Server) SlowPages(d time.Duration) { s.faults.SlowPages(d) }

// FailOnPage answers page n (1-based) of every enrollment listing with
// code each time it is asked for; n = 0 turns it off.
func (s *Server) FailOnPage(n, code int) { s.faults.FailOnPage(n, code) }

// Truncate cuts the next n enrollment pages short.
func (s *Server) Truncate(n int) { s.faults.Truncate(n) }

// Empty makes every org unit answer no enrollments while on.
func (s *Server) Empty(on bool) { s.faults.SetEmpty(on) }

// ClearFaults turns every switch off.
func (s *Server) ClearFaults() { s.faults.Clear() }

// HideRoles takes the "Search for <role>" permission from the caller for
// these role ids: their users vanish from enrollment lists without an
// error, as Brightspace does.
func (s *Server) HideRoles(ids ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.hidden[id] = true
	}
}

// HideAll takes "View User Enrollments" from the caller: every enrollment
// list comes back empty, with 200.
func (s *Server) HideAll(on bool) {
	s.mu.Lock()
	s.hideAll = on
	s.mu.Unlock()
}

// ExpireTokens makes every access token issued so far expire now.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.access {
		t.expires = s.now()
		s.access[k] = t
	}
}

// RevokeAll revokes the app's consent: every access and refresh token dies.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
	clear(s.refresh)
}
