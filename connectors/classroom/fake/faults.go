package fake

import (
	"net/http"
	"sync"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// faults are the switches tests and the demo flip, consulted on every call.
type faults struct {
	mu         sync.Mutex
	rateN      int
	rateKind   fakeauth.RateLimitKind
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
func (f *faults) take() *fakeauth.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.rateN > 0:
		f.rateN--
		return fakeauth.RateLimit(f.rateKind, f.retryAfter, "classroom.googleapis.com")
	case f.serverN > 0:
		f.serverN--
		return fakeauth.ServerError(f.serverCode)
	}
	return nil
}

// atPage applies the page faults to page n of a listing: it waits out a
// slow page (false when the client left meanwhile), and says whether the
// page fails, is cut short, or is empty.
func (f *faults) atPage(r *http.Request, n int) (ok bool, fail *fakeauth.Error, truncate, empty bool) {
	f.mu.Lock()
	delay := f.slow
	if f.failPage > 0 && n == f.failPage {
		switch c := f.failCode; {
		case c >= 500:
			fail = fakeauth.ServerError(c)
		default:
			fail = fakeauth.BadRequest("Request contains an invalid argument.")
		}
	}
	if f.truncateN > 0 && fail == nil {
		f.truncateN--
		truncate = true
	}
	empty = f.empty
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false, nil, false, false
		}
	}
	return true, fail, truncate, empty
}

func (f *faults) isEmpty() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.empty
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
	srv.faults.mu.Lock()
	defer srv.faults.mu.Unlock()
	srv.faults.rateN, srv.faults.rateKind, srv.faults.retryAfter = n, kind, retryAfter
}

// ServerErrors answers the next n API requests with 503 UNAVAILABLE.
func (srv *Server) ServerErrors(n int) { srv.ServerErrorsCode(503, n) }

// ServerErrorsCode answers the next n API requests with code (500, 502 or 503).
func (srv *Server) ServerErrorsCode(code, n int) {
	srv.faults.mu.Lock()
	defer srv.faults.mu.Unlock()
	srv.faults.serverCode, srv.faults.serverN = code, n
}

// FailOnPage makes page n (1-based) of every listing fail each time it is
// asked for: 503 when retryable, else 400 INVALID_ARGUMENT. n = 0 turns it off.
func (srv *Server) FailOnPage(n int, retryable bool) {
	srv.faults.mu.Lock()
	defer srv.faults.mu.Unlock()
	srv.faults.failPage, srv.faults.failCode = n, 400
	if retryable {
		srv.faults.failCode = 503
	}
}

// Truncate cuts the body of the next n listing pages short: the status
// and Content-Length promise a whole page, the connection ends half way.
func (srv *Server) Truncate(n int) {
	srv.faults.mu.Lock()
	defer srv.faults.mu.Unlock()
	srv.faults.truncateN = n
}

// SlowPages delays every listing page by d (0 turns it off); the delay
// ends early when the client goes away.
func (srv *Server) SlowPages(d time.Duration) {
	srv.faults.mu.Lock()
	defer srv.faults.mu.Unlock()
	srv.faults.slow = d
}

// Empty makes the school answer no courses and empty rosters.
func (srv *Server) Empty() { srv.SetEmpty(true) }

// SetEmpty turns the empty source on or off.
func (srv *Server) SetEmpty(on bool) {
	srv.faults.mu.Lock()
	defer srv.faults.mu.Unlock()
	srv.faults.empty = on
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
	srv.faults.mu.Lock()
	defer srv.faults.mu.Unlock()
	srv.faults.rateN, srv.faults.serverN, srv.faults.slow = 0, 0, 0
	srv.faults.failPage, srv.faults.truncateN, srv.faults.empty = 0, 0, false
}
