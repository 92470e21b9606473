package oneroster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// Clock is the time retries see: Now bounds the total time, Sleep waits
// between attempts and returns early with ctx's error. Tests pass a clock
// whose Sleep only advances Now.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxBody bounds one buffered response: a page of MaxLimit users is a few
// megabytes.
const maxBody = 64 << 20

// retryTransport sends a request again on OneRoster servers' signals to
// back off (429, any 5xx) and on network errors, including a body cut
// short: each body is read whole here. It waits with exponential backoff
// and full jitter, at least as long as Retry-After asks, and gives up
// after MaxAttempts or when the next wait would pass MaxElapsed,
// returning the last answer as is. It sits under the authentication
// layer, so each attempt is signed (1.1) or authorized (1.2) afresh.
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
			err = bufferBody(resp)
		}
		code := 0
		if err == nil {
			code = resp.StatusCode
		} else {
			resp = nil
		}
		t.obs.Request(t.name, code)
		reason, after := classify(resp, err)
		if reason == "" || ctx.Err() != nil {
			if ctx.Err() != nil && err != nil {
				return nil, ctx.Err()
			}
			return resp, err
		}
		rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		delay := max(t.backoff(attempt), after)
		if attempt >= t.policy.MaxAttempts || !rewindable || t.clock.Now().Sub(start)+delay > t.policy.MaxElapsed {
			return resp, err
		}
		t.obs.Retry(t.name, reason)
		t.log.LogAttrs(ctx, slog.LevelDebug, "retrying OneRoster request",
			slog.String("path", req.URL.Path), slog.Int("status", code), slog.String("reason", reason),
			slog.Int("attempt", attempt), slog.Duration("wait", delay))
		if err := t.clock.Sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// backoff is full jitter: uniform in [0, min(maxDelay, base·2^(attempt-1))].
func (t *retryTransport) backoff(attempt int) time.Duration {
	return jittered(t.policy.BaseDelay, attempt, t.jitter)
}

func jittered(base time.Duration, attempt int, jitter func(int64) int64) time.Duration {
	ceiling := base
	for i := 1; i < attempt && ceiling < maxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, maxDelay)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(jitter(int64(ceiling) + 1))
}

// bufferBody replaces resp.Body with its contents read whole, so that a
// body ending early is an error here, where it is retried.
func bufferBody(resp *http.Response) error {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxBody {
		buf.Grow(int(n))
	}
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, maxBody+1)); err != nil {
		return fmt.Errorf("reading the answer to %s: %w", resp.Request.URL.Path, err)
	}
	if buf.Len() > maxBody {
		return fmt.Errorf("the answer to %s is larger than %d bytes", resp.Request.URL.Path, maxBody)
	}
	resp.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	resp.ContentLength = int64(buf.Len())
	return nil
}

// classify says whether an answer is worth another try, and how long the
// server asked to wait.
func classify(resp *http.Response, err error) (reason string, after time.Duration) {
	if err != nil {
		return metrics.ReasonNetwork, 0
	}
	switch c := resp.StatusCode; {
	case c == http.StatusTooManyRequests:
		return metrics.ReasonRateLimit, retryAfter(resp.Header.Get("Retry-After"), time.Now())
	case c >= 500:
		return metrics.ReasonServerError, retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return "", 0
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
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
