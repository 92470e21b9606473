package fake

import (
	"net/http"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/fakefault"
	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// faults are the switches tests and the demo flip, consulted on every call.
type faults = fakefault.Set[fakeauth.RateLimitKind]

// takeFault answers with Google's words for the fault the next request
// must carry, if any.
func (srv *Server) takeFault() *fakeauth.Error {
	req, ok := srv.faults.Take()
	switch {
	case !ok:
		return nil
	case req.RateLimited:
		return fakeauth.RateLimit(req.Kind, req.RetryAfter, "classroom.googleapis.com")
	}
	return fakeauth.ServerError(req.Code)
}

// atPage applies the page faults to page n of a listing: it waits out a
// slow page (false when the client left meanwhile), and says whether the
// page fails, in Classroom's words, is cut short, or is empty.
func (srv *Server) atPage(r *http.Request, n int) (ok bool, fail *fakeauth.Error, truncate, empty bool) {
	p, ok := srv.faults.AtPage(r.Context(), n)
	if !ok {
		return false, nil, false, false
	}
	switch c := p.FailCode; {
	case c >= 500:
		fail = fakeauth.ServerError(c)
	case c != 0:
		fail = fakeauth.BadRequest("Request contains an invalid argument.")
	}
	return true, fail, p.Truncate, p.Empty
}

// RateLimit answers the next n API requests with Classroom's over-quota
// answer, 429 RESOURCE_EXHAUSTED, and returns the wait it asks for: none,
// as Classroom names none (its guide says to back off exponentially).
func (srv *Server) RateLimit(n int) time.Duration {
	srv.RateLimitAs(fakeauth.ResourceExhausted, n, 0)
	return 0
}

// RateLimitAs answers the next n API requests with the over-quota answer
// of kind, with Retry-After when retryAfter > 0.
func (srv *Server) RateLimitAs(kind fakeauth.RateLimitKind, n int, retryAfter time.Duration) {
	srv.faults.RateLimit(kind, n, retryAfter)
}

// ServerErrors answers the next n API requests with 503 UNAVAILABLE.
func (srv *Server) ServerErrors(n int) { srv.ServerErrorsCode(503, n) }

// ServerErrorsCode answers the next n API requests with code (500, 502 or 503).
func (srv *Server) ServerErrorsCode(code, n int) {
	srv.faults.ServerErrors(code, n)
}

// FailOnPage makes page n (1-based) of every listing fail each time it is
// asked for: 503 when retryable, else 400 INVALID_ARGUMENT. n = 0 turns it off.
func (srv *Server) FailOnPage(n int, retryable bool) {
	code := 400
	if retryable {
		code = 503
	}
	srv.faults.FailOnPage(n, code)
}

// Truncate cuts the body of the next n listing pages short: the status
// and Content-Length promise a whole page, the connection ends half way.
func (srv *Server) Truncate(n int) {
	srv.faults.Truncate(n)
}

// SlowPages delays every listing page by d (0 turns it off); the delay
// ends early when the client goes away.
func (srv *Server) SlowPages(d time.Duration) {
	srv.faults.SlowPages(d)
}

// Empty makes the school answer no courses and empty rosters.
func (srv *Server) Empty() { srv.SetEmpty(true) }

// SetEmpty turns the empty source on or off.
func (srv *Server) SetEmpty(on bool) {
	srv.faults.SetEmpty(on)
}

// BadCredentials makes Google refuse the service accounts' keys from now
// on, as after the key was deleted in the Cloud console, and expires every
// token; it returns Google's words for the refusal.
func (srv *Server) BadCredentials() string {
	srv.auth.RevokeKeys()
	srv.auth.ExpireTokens()
	return fakeauth.MsgBadSignature
}

// ClearFaults turns every fault switch off.
func (srv *Server) ClearFaults() {
	srv.faults.Clear()
}
