package httpretry

import (
	"net/http"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
)

// ResponseHeaderTimeout is how long Base's default transport waits for a
// vendor to start answering before the attempt fails (and may be retried).
const ResponseHeaderTimeout = time.Minute

// Base is the transport a connector's requests go out on: the one of
// caller (the client the engine, a test or the demo hands the connector
// in connectors.OpenOptions), else a clone of http.DefaultTransport that
// gives up on a server silent for ResponseHeaderTimeout.
func Base(caller *http.Client) http.RoundTripper {
	if caller != nil && caller.Transport != nil {
		return caller.Transport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = ResponseHeaderTimeout
	return t
}

// NoRedirect is a CheckRedirect that hands a redirect back instead of
// following it: the next hop would be sent the request's bearer token or
// signature, wherever it points.
func NoRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Direct is a connector's client for calls that are not retried (a token
// request, whose refusal is reported at once): Base(caller), caller's
// Timeout, no redirects.
func Direct(caller *http.Client) *http.Client {
	c := &http.Client{Transport: Base(caller), CheckRedirect: NoRedirect}
	if caller != nil {
		c.Timeout = caller.Timeout
	}
	return c
}

// NewClient is a vendor connector's retrying client: t over t.Next (nil:
// Base(opts.HTTPClient); a request signer goes there, so that every
// attempt is signed afresh), reporting each attempt and retry to
// opts.Upstream under opts.Name. Like Direct, it keeps
// opts.HTTPClient's Timeout, which then bounds all the attempts of a
// request together, and never follows a redirect; a vendor whose calls
// must follow one sets CheckRedirect back to nil and says why.
func NewClient(opts connectors.OpenOptions, t Transport) *http.Client {
	if t.Next == nil {
		t.Next = Base(opts.HTTPClient)
	}
	t.Observer, t.Name = opts.Upstream, opts.Name
	c := Direct(opts.HTTPClient)
	c.Transport = &t
	return c
}
