package fake

import (
	"context"
	"net/http"
	"time"
)

// RateLimit answers the next n API requests with 429, their
// X-Rate-Limit-Reset saying wait (rounded up to seconds).
func (s *Server) RateLimit(n int, wait time.Duration) { s.faults.RateLimit(struct{}{}, n, wait) }

// ServerErrors answers the next n API requests with code (500 or 503).
func (s *Server) ServerErrors(code, n int) { s.faults.ServerErrors(code, n) }

// SlowPages delays every membership page by d (0: off).
func (s *Server) SlowPages(d time.Duration) { s.faults.SlowPages(d) }

// FailOnPage answers page n (1-based) of every membership listing with
// code each time it is asked for; n = 0 turns it off.
func (s *Server) FailOnPage(n, code int) { s.faults.FailOnPage(n, code) }

// Truncate cuts the next n membership pages short.
func (s *Server) Truncate(n int) { s.faults.Truncate(n) }

// Empty makes every course answer no memberships while on.
func (s *Server) Empty(on bool) { s.faults.SetEmpty(on) }

// ClearFaults turns every switch off.
func (s *Server) ClearFaults() { s.faults.Clear() }

// Forbid answers every API request 403, as Learn does when the
// application's user lacks the entitlements to read rosters.
func (s *Server) Forbid(on bool) {
	s.mu.Lock()
	s.forbidden = on
	s.mu.Unlock()
}

// ExpireTokens makes every access token issued so far expire now.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = s.now()
	}
}

// RotateSecret gives the application a new secret (an admin reset it):
// tokens already issued stay valid until they expire.
func (s *Server) RotateSecret() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret = randomHex(16)
	return s.secret
}

// page applies the page faults to page n of a listing; it answers false
// when it wrote the answer itself or the client went away.
func (s *Server) page(ctx context.Context, w http.ResponseWriter, n int) (empty, ok bool, truncate bool) {
	p, alive := s.faults.AtPage(ctx, n)
	if !alive {
		return false, false, false
	}
	if p.FailCode != 0 {
		msg := "Internal Server Error"
		if p.FailCode < 500 {
			msg = "Invalid offset"
		}
		writeError(w, p.FailCode, "", msg)
		return false, false, false
	}
	return p.Empty, true, p.Truncate
}
