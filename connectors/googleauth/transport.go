package googleauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Retry reasons reported to the upstream observer; they are the reason
// label values of connectors/metrics.
const (
	ReasonRateLimit   = "rate_limit"
	ReasonServerError = "server_error"
	ReasonNetwork     = "network"
)

// maxBody bounds a buffered response body: a page of 500 users or 1,000
// students is a few hundred kilobytes.
const maxBody = 64 << 20

// retryTransport sends a request again on Google's signals to back off:
// 429, any 5xx, 403 with reason rateLimitExceeded, userRateLimitExceeded
// or quotaExceeded (or status RESOURCE_EXHAUSTED), and network errors
// (including a body cut short). It waits with exponential backoff and full
// jitter, at least as long as Retry-After asks, and gives up after
// MaxAttempts attempts or when the next wait would pass MaxElapsed,
// returning the last answer as is.
type retryTransport struct {
	next   http.RoundTripper
	policy Retry
	clock  Clock
	jitter func(n int64) int64
	obs    connectors.UpstreamObserver
	name   string
	log    *slog.Logger
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	start := t.clock.Now()
	for attempt := 1; ; attempt++ {
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
		resp, err := t.next.RoundTrip(r)
		if err == nil {
			err = readWhole(resp)
		}
		code := 0 // no answer
		if err == nil {
			code = resp.StatusCode
		} else {
			resp = nil
		}
		t.obs.Request(t.name, code)
		reason, after := classify(resp, err)
		if reason == "" || ctx.Err() != nil {
			return resp, err
		}
		rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		delay := max(t.policy.Backoff(attempt, t.jitter), after)
		if attempt >= t.policy.MaxAttempts || !rewindable || t.clock.Now().Sub(start)+delay > t.policy.MaxElapsed {
			return resp, err
		}
		t.obs.Retry(t.name, reason)
		t.log.LogAttrs(ctx, slog.LevelDebug, "retrying Google request",
			slog.String("call", req.URL.Path), slog.Int("status", code), slog.String("reason", reason),
			slog.Int("attempt", attempt), slog.Duration("wait", delay))
		if err := t.clock.Sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// readWhole replaces resp.Body with its buffered contents, so that a body
// that ends early is an error here, where it can be retried.
func readWhole(resp *http.Response) error {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxBody {
		buf.Grow(int(n))
	}
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, maxBody+1)); err != nil {
		return fmt.Errorf("reading %s response: %w", resp.Request.URL.Path, err)
	}
	if buf.Len() > maxBody {
		return fmt.Errorf("%s response is larger than %d bytes", resp.Request.URL.Path, maxBody)
	}
	resp.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	resp.ContentLength = int64(buf.Len())
	return nil
}

// classify says whether an answer is worth another try, and how long the
// server asked us to wait.
func classify(resp *http.Response, err error) (reason string, after time.Duration) {
	if err != nil {
		return ReasonNetwork, 0
	}
	after = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch c := resp.StatusCode; {
	case c == http.StatusTooManyRequests:
		return ReasonRateLimit, after
	case c >= 500:
		return ReasonServerError, after
	case c == http.StatusForbidden && rateLimitBody(peek(resp)):
		return ReasonRateLimit, after
	}
	return "", 0
}

// peek returns a buffered body without consuming it.
func peek(resp *http.Response) []byte {
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// rateLimitBody reports whether a Google error body says "slow down".
func rateLimitBody(body []byte) bool {
	var v struct {
		Error struct {
			Status string `json:"status"`
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	if v.Error.Status == "RESOURCE_EXHAUSTED" {
		return true
	}
	for _, e := range v.Error.Errors {
		if RateLimitReason(e.Reason) {
			return true
		}
	}
	return false
}

// RateLimitReason reports whether an errors[].reason of Google's is one of
// its over-quota answers.
func RateLimitReason(reason string) bool {
	switch reason {
	case "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded":
		return true
	}
	return false
}

// RetryAfter reads a Retry-After value, in seconds or as an HTTP date
// (measured from now); anything else is no wait.
func RetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// reauthTransport drops the cached token and tries once more when the API
// answers 401: a token the server revoked or considers expired before the
// client's clock does would otherwise fail every call until it lapses.
type reauthTransport struct {
	next http.RoundTripper
	src  *resettableSource
}

func (t *reauthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	resp.Body.Close()
	t.src.reset()
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return t.next.RoundTrip(r)
}
