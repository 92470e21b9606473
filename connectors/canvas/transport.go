package canvas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/bearer"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// reasonRateLimit is the retry reason of Canvas's throttling answers.
const reasonRateLimit = metrics.ReasonRateLimit

// maxBody bounds a response body: a page of 100 enrollments is ~60 KB.
const maxBody = 32 << 20

// maxRetryAfter caps the wait one Retry-After of Canvas's can ask.
const maxRetryAfter = 10 * time.Minute

// answer is one successful response, its body read whole.
type answer struct {
	header http.Header
	body   []byte
}

// get fetches rawURL (absolute, on the base URL's host) and returns a 2xx
// answer. The retries on Canvas's signals to back off happen in the
// httpretry.Transport under c.http, with classify. A refused token is
// renewed once when the settings allow (a developer key), never retried
// otherwise; the renewed request starts a fresh retry budget.
func (c *Connector) get(ctx context.Context, call, rawURL string) (*answer, error) {
	ans, err := bearer.Get(ctx, c.http, c.auth, rawURL)
	if err != nil {
		return nil, c.getError(ctx, call, err)
	}
	code := ans.Code
	if code >= 200 && code < 300 {
		if err := c.pace(ctx, ans.Header); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
		}
		return &answer{header: ans.Header, body: ans.Body}, nil
	}
	msg := canvasMessage(ans.Body, ans.Header.Get("Content-Type"))
	if msg == "" {
		msg = http.StatusText(code)
	}
	return nil, &APIError{Connector: c.name, Call: call, Code: code, Message: msg,
		RateLimited: code == http.StatusTooManyRequests || throttled(code, ans.Body)}
}

// getError words a GET that got no answer: ctx's end, no access token,
// or the transport's error.
func (c *Connector) getError(ctx context.Context, call string, err error) error {
	var tokErr *bearer.TokenError
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	case errors.As(err, &tokErr):
		return c.tokenError(ctx, call, tokErr.Err)
	}
	return &APIError{Connector: c.name, Call: call, Err: err}
}

// classify is httpretry.Standard (network errors, bodies cut short, 429,
// 5xx) plus Canvas's other throttling answer, 403 "Rate Limit Exceeded";
// Retry-After (Canvas sends seconds) is capped at maxRetryAfter.
func classify(resp *http.Response, err error, now time.Time) (retry bool, reason string, wait time.Duration) {
	retry, reason, wait = httpretry.Standard(resp, err, now)
	if !retry && err == nil && throttled(resp.StatusCode, httpretry.Peek(resp)) {
		retry, reason = true, reasonRateLimit
		wait = httpretry.RetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return retry, reason, min(wait, maxRetryAfter)
}

// throttled reports whether an answer is Canvas's 403 "Rate Limit
// Exceeded", its usual way of saying "slow down".
func throttled(code int, body []byte) bool {
	return code == http.StatusForbidden && bytes.Contains(bytes.ToLower(body), []byte("rate limit exceeded"))
}

// pace pauses when Canvas says the token's bucket is running low, so a
// long sync yields before it is throttled.
func (c *Connector) pace(ctx context.Context, h http.Header) error {
	v := h.Get("X-Rate-Limit-Remaining")
	if v == "" {
		return nil
	}
	remaining, err := strconv.ParseFloat(v, 64)
	if err != nil || remaining >= c.s.Retry.LowWater {
		return nil
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "Canvas rate-limit bucket is low; pausing",
		slog.Float64("remaining", remaining), slog.Duration("pause", c.s.Retry.Pause))
	return c.clock.Sleep(ctx, c.s.Retry.Pause)
}

// tokenError wraps a failure to get an access token.
func (c *Connector) tokenError(ctx context.Context, call string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	}
	if code, reason, msg, ok := tokenRefusal(err); ok {
		return &APIError{Connector: c.name, Call: call + ": renewing the access token", Code: code, Reason: reason,
			Message: errbody.Clip(msg), Token: true}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return &APIError{Connector: c.name, Call: call + ": renewing the access token", Token: true, Err: err}
}
