package httpretry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// DefaultMaxBody bounds a buffered response body when Transport.MaxBody is
// zero: the largest page a connector asks for is a few megabytes.
const DefaultMaxBody = 64 << 20

// Classifier says whether an answer is worth another try: resp is nil when
// err is not (no answer, or a body cut short), and otherwise has its body
// read whole, so a classifier may read it (and must leave it readable, as
// Peek does). reason is the retry's label for the upstream metrics
// (connectors/metrics' Reason names); wait is the least time the server
// asked for (Retry-After), the backoff being used when it is longer. now
// is the answer's arrival by the Transport's Clock, which an HTTP-date or
// a Unix-time reset is measured from: a test's clock drives it as it
// drives the sleeps.
type Classifier func(resp *http.Response, err error, now time.Time) (retry bool, reason string, wait time.Duration)

// Standard is what every vendor means by "try again": no answer
// (metrics.ReasonNetwork), 429 (ReasonRateLimit) and any 5xx
// (ReasonServerError), with the wait Retry-After (or, on a 429,
// X-RateLimit-Reset) asks, measured from now.
func Standard(resp *http.Response, err error, now time.Time) (retry bool, reason string, wait time.Duration) {
	if err != nil {
		return true, metrics.ReasonNetwork, 0
	}
	switch c := resp.StatusCode; {
	case c == http.StatusTooManyRequests:
		return true, metrics.ReasonRateLimit, ServerWait(resp.Header, now)
	case c >= 500:
		return true, metrics.ReasonServerError, RetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return false, "", 0
}

// Peek returns a buffered body without consuming it.
func Peek(resp *http.Response) []byte {
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// Transport sends a request again while Classify says so, waiting with
// Policy's backoff (at least as long as the server asked), and gives up
// after Policy.MaxAttempts attempts or when the next wait would pass
// Policy.MaxElapsed, returning the last answer as is. A request whose body
// cannot be sent again (no GetBody) is sent once. Every attempt is
// reported to Observer.Request (code 0: no answer), every retry to
// Observer.Retry. Transport is not changed by RoundTrip, so one value
// serves concurrent requests.
//
// With a Limiter, every attempt (not only every call: a refused attempt
// counts against most vendors' quotas) first waits for the vendor's
// quota (connectors/ratelimit). That wait is pacing, not a retry, so it
// uses up none of Policy's elapsed time.
type Transport struct {
	Next     http.RoundTripper
	Policy   Retry      // zero fields: defaults
	Classify Classifier // nil: Standard
	Clock    Clock      // nil: RealClock
	// Jitter draws backoff jitter, uniform in [0, n); nil: math/rand/v2.
	Jitter   func(n int64) int64
	Observer connectors.UpstreamObserver // nil: none
	// Limiter paces attempts to the vendor's quota; nil: not paced.
	Limiter *ratelimit.Limiter
	// Unpaced says which requests are on another quota (a token endpoint
	// on another host); nil: every request is paced.
	Unpaced func(*http.Request) bool
	Name    string       // connector instance, for Observer
	Vendor  string       // e.g. "Google", for the log
	Logger  *slog.Logger // nil: discard
	MaxBody int64        // 0: DefaultMaxBody
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	policy := t.Policy.WithDefaults()
	classify := t.Classify
	if classify == nil {
		classify = Standard
	}
	var clock Clock = RealClock{}
	if t.Clock != nil {
		clock = t.Clock
	}
	jitter := t.Jitter
	if jitter == nil {
		jitter = rand.Int64N
	}
	obs := connectors.Observe(t.Observer)
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	start := clock.Now()
	// Rate-limit retries waited out (Policy.RateWindow) count apart: they
	// neither use up attempts nor elapsed time of the other retries.
	var rateRetries int
	var rateWaited, paceWaited time.Duration
	paced := t.Limiter != nil && (t.Unpaced == nil || !t.Unpaced(req))
	for attempt, n := 1, 1; ; n++ {
		if paced {
			before := clock.Now()
			if err := t.Limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("waiting for the %s quota to send %s: %w", t.Vendor, req.URL.Path, err)
			}
			// Pacing is no retry: keep it out of MaxElapsed.
			paceWaited += clock.Now().Sub(before)
		}
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.Body != nil && req.Body != http.NoBody {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := t.Next.RoundTrip(r)
		if err == nil {
			err = t.readWhole(resp)
		}
		code := 0 // no answer
		if err == nil {
			code = resp.StatusCode
		} else {
			resp = nil
		}
		obs.Request(t.Name, code)
		retry, reason, wait := classify(resp, err, clock.Now())
		if ctx.Err() != nil && err != nil {
			return nil, ctx.Err()
		}
		if !retry || ctx.Err() != nil {
			return resp, err
		}
		var delay time.Duration
		if reason == metrics.ReasonRateLimit && policy.RateWindow > 0 {
			delay = wait
			if delay <= 0 {
				delay = policy.RateBackoff(rateRetries+1, jitter)
			}
			if !rewindable || rateWaited+delay > policy.MaxRateWait || pastDeadline(ctx, delay) {
				return resp, err
			}
			rateRetries++
			rateWaited += delay
		} else {
			delay = max(policy.Backoff(attempt, jitter), wait)
			if !rewindable || policy.GiveUp(attempt, clock.Now().Sub(start)-rateWaited-paceWaited, delay) {
				return resp, err
			}
			attempt++
		}
		obs.Retry(t.Name, reason)
		if t.Logger != nil {
			t.Logger.LogAttrs(ctx, slog.LevelDebug, "retrying "+t.Vendor+" request",
				slog.String("path", req.URL.Path), slog.Int("status", code), slog.String("reason", reason),
				slog.Int("attempt", n), slog.Duration("wait", delay))
		}
		if err := clock.Sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// pastDeadline reports whether waiting d would outlast ctx's deadline (the
// run's timeout): then the wait is pointless and the answer goes back now.
func pastDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

// readWhole replaces resp.Body with its buffered contents, so that a body
// that ends early is an error here, where it can be retried.
func (t *Transport) readWhole(resp *http.Response) error {
	defer resp.Body.Close()
	limit := t.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n))
	}
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, limit+1)); err != nil {
		return fmt.Errorf("reading the answer to %s: %w", resp.Request.URL.Path, err)
	}
	if int64(buf.Len()) > limit {
		return fmt.Errorf("the answer to %s is larger than %d bytes", resp.Request.URL.Path, limit)
	}
	resp.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	resp.ContentLength = int64(buf.Len())
	return nil
}
