package ratelimit

import (
	"fmt"
	"net/http"
)

// Transport waits for the limiter before every request it passes on,
// except those Skip accepts (a token endpoint on another quota).
//
// Place it below the retries (as the base of connectors/httpretry's
// Transport) to count every attempt, or above them to count every call.
type Transport struct {
	Next    http.RoundTripper // nil: http.DefaultTransport
	Limiter *Limiter
	Skip    func(*http.Request) bool // nil: none skipped
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	if t.Limiter != nil && (t.Skip == nil || !t.Skip(req)) {
		if err := t.Limiter.Wait(req.Context()); err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, fmt.Errorf("ratelimit: waiting to send %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	return next.RoundTrip(req)
}
