package canvas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry reasons reported to the upstream observer (connectors/metrics names).
const (
	reasonRateLimit   = "rate_limit"
	reasonServerError = "server_error"
	reasonNetwork     = "network"
)

// maxBody bounds a response body: a page of 100 enrollments is ~60 KB.
const maxBody = 32 << 20

// answer is one successful response, its body read whole.
type answer struct {
	header http.Header
	body   []byte
}

// get fetches rawURL (absolute, on the base URL's host) and returns a 2xx
// answer, retrying Canvas's signals to back off: 429, 403 "Rate Limit
// Exceeded", 5xx and network errors (a body cut short among them). It
// waits with exponential backoff and full jitter, at least as long as
// Retry-After asks, and gives up after MaxAttempts attempts or when the
// next wait would pass MaxElapsed. A refused token is renewed once when
// the settings allow (a developer key), never retried otherwise.
func (c *Connector) get(ctx context.Context, call, rawURL string) (*answer, error) {
	start := c.clock.Now()
	renewed := false
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
		}
		tok, err := c.auth.token(ctx)
		if err != nil {
			return nil, c.tokenError(ctx, call, err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, body, err := c.roundTrip(req)
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		c.obs.Request(c.name, code)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
		}
		if err == nil && code >= 200 && code < 300 {
			if err := c.pace(ctx, resp.Header); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
			}
			return &answer{header: resp.Header, body: body}, nil
		}
		if code == http.StatusUnauthorized && !renewed && c.auth.invalidate() {
			renewed = true
			attempt-- // a renewed token is not a retry of a fault
			continue
		}
		reason, after := classify(resp, body, err)
		apiErr := &APIError{Connector: c.name, Call: call, Code: code, Err: err, RateLimited: reason == reasonRateLimit}
		if resp != nil {
			apiErr.Message = canvasMessage(body, resp.Header.Get("Content-Type"))
			if apiErr.Message == "" {
				apiErr.Message = http.StatusText(code)
			}
		}
		if reason == "" {
			return nil, apiErr
		}
		delay := max(c.backoff(attempt), after)
		if attempt >= c.s.Retry.MaxAttempts || c.clock.Now().Sub(start)+delay > c.s.Retry.MaxElapsed {
			return nil, apiErr
		}
		c.obs.Retry(c.name, reason)
		c.log.LogAttrs(ctx, slog.LevelDebug, "retrying Canvas request",
			slog.String("call", call), slog.Int("status", code), slog.String("reason", reason),
			slog.Int("attempt", attempt), slog.Duration("wait", delay))
		if err := c.clock.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
		}
	}
}

// roundTrip sends req and reads the whole body, so that a body that ends
// early is an error here, where it can be retried.
func (c *Connector) roundTrip(req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxBody {
		buf.Grow(int(n))
	}
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, maxBody+1)); err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if buf.Len() > maxBody {
		return resp, nil, fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	return resp, buf.Bytes(), nil
}

// classify says whether an answer is worth another try, and how long
// Canvas asked to wait.
func classify(resp *http.Response, body []byte, err error) (reason string, after time.Duration) {
	if resp == nil {
		if err != nil {
			return reasonNetwork, 0
		}
		return "", 0
	}
	if err != nil {
		return reasonNetwork, 0
	}
	after = retryAfter(resp.Header.Get("Retry-After"))
	switch c := resp.StatusCode; {
	case c == http.StatusTooManyRequests:
		return reasonRateLimit, after
	case c == http.StatusForbidden && bytes.Contains(bytes.ToLower(body), []byte("rate limit exceeded")):
		return reasonRateLimit, after
	case c >= 500:
		return reasonServerError, after
	}
	return "", 0
}

// retryAfter reads Retry-After in seconds (Canvas does not send dates).
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, 10*time.Minute)
}

// backoff is full jitter: uniform in [0, min(maxDelay, base·2^(attempt-1))].
func (c *Connector) backoff(attempt int) time.Duration {
	ceiling := c.s.Retry.BaseDelay
	for i := 1; i < attempt && ceiling < maxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, maxDelay)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(c.jitter(int64(ceiling) + 1))
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
			Message: clip(msg), Token: true}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return &APIError{Connector: c.name, Call: call + ": renewing the access token", Token: true, Err: err}
}
