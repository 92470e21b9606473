package fakefault

import (
	"context"
	"sync"
	"time"
)

// Set is one fake's switchboard. The zero value has every fault off. K is
// the vendor's kind of "slow down" answer (struct{} when it has one kind).
type Set[K any] struct {
	mu         sync.Mutex
	rateN      int
	rateKind   K
	retryAfter time.Duration
	serverN    int
	serverCode int
	served     int64
	slow       time.Duration
	failPage   int
	failCode   int
	truncateN  int
	empty      bool
}

// Request is the fault one API request must answer with, taken by Take.
type Request[K any] struct {
	// RateLimited says the request is throttled as Kind, asking for
	// RetryAfter (zero: no wait named); otherwise it fails with Code.
	RateLimited bool
	Kind        K
	RetryAfter  time.Duration
	// Code is the 5xx status of a server error.
	Code int
	// Served counts the server errors answered so far, this one included,
	// so a fake can number them as a vendor numbers its error reports.
	Served int64
}

// Page is what one listing page must do, taken by AtPage.
type Page struct {
	// FailCode is the status the page fails with; 0 when it is served.
	FailCode int
	// Truncate says the body must end half way through.
	Truncate bool
	// Empty says the source answers nobody.
	Empty bool
}

// RateLimit throttles the next n API requests as kind, asking for
// retryAfter when it is > 0.
func (s *Set[K]) RateLimit(kind K, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateN, s.rateKind, s.retryAfter = n, kind, retryAfter
}

// ServerErrors answers the next n API requests with code.
func (s *Set[K]) ServerErrors(code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serverCode, s.serverN = code, n
}

// SlowPages delays every listing page by d (0 turns it off).
func (s *Set[K]) SlowPages(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow = d
}

// FailOnPage fails page n (1-based) of every listing with code each time
// it is asked for; n = 0 turns it off.
func (s *Set[K]) FailOnPage(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPage, s.failCode = n, code
}

// Truncate cuts the next n listing pages that do not fail short.
func (s *Set[K]) Truncate(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.truncateN = n
}

// SetEmpty turns the empty source on or off.
func (s *Set[K]) SetEmpty(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.empty = on
}

// Clear turns every switch off. The count of server errors served goes
// on, as a vendor's report numbers would.
func (s *Set[K]) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateN, s.serverN, s.slow = 0, 0, 0
	s.failPage, s.truncateN, s.empty = 0, 0, false
}

// Empty says whether the source answers nobody.
func (s *Set[K]) Empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.empty
}

// Take consumes the fault the next API request must answer with: a
// pending rate limit before a pending server error. ok is false when
// none is pending.
func (s *Set[K]) Take() (req Request[K], ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.rateN > 0:
		s.rateN--
		return Request[K]{RateLimited: true, Kind: s.rateKind, RetryAfter: s.retryAfter}, true
	case s.serverN > 0:
		s.serverN--
		s.served++
		return Request[K]{Code: s.serverCode, Served: s.served}, true
	}
	return Request[K]{}, false
}

// AtPage applies the page faults to page n (1-based) of a listing: it
// decides the page's fate, consuming one truncation when the page does
// not fail, then waits out a slow page. ok is false when ctx ended during
// the wait: the client has gone and nothing should be written.
func (s *Set[K]) AtPage(ctx context.Context, n int) (p Page, ok bool) {
	s.mu.Lock()
	if s.failPage > 0 && n == s.failPage {
		p.FailCode = s.failCode
	}
	if s.truncateN > 0 && p.FailCode == 0 {
		s.truncateN--
		p.Truncate = true
	}
	p.Empty = s.empty
	delay := s.slow
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return Page{}, false
		}
	}
	return p, true
}
